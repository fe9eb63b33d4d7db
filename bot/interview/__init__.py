"""The interviewer: question selection, follow-ups and the service that runs a session."""
