"""Answer grading: content scoring of a candidate's answer against a reference answer."""
