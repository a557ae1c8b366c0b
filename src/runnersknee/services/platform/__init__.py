"""Plumbing every use case shares: the unit of work, the audit writer, file storage, mail
and optional extras.
"""
