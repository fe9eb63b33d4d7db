"""Reading question banks and splitting reference answers into chunks."""
