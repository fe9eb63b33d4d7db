"""Recruiter question variants: generation along named axes, quality gates, review, saving to a bank file."""
