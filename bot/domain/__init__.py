"""Pure domain: records, rubric, interview state and policies (no I/O)."""
