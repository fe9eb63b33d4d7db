"""Embedders and the vector-store port with its Chroma adapter."""
