"""What the backend does to users: the actions and their rules, bulk jobs, sign-in, audit.

The rules of every action, and where they come from, are described in docs/rules.md.
"""
