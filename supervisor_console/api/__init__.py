"""Typed async client for the contact-center API; imports no Qt."""
