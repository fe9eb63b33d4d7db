"""Mock interviewer for data science, analytics and product-management interviews."""

__version__ = "0.1.0"
