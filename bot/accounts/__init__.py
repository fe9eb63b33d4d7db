"""Accounts: password hashing, sign-in, sign-up by invitation or open, single sign-on, and the admin's tools."""
