"""Chat-model factory, prompt templates and validated structured output."""
