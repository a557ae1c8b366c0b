"""Who may do what: the one authorization check, accounts, logins, credentials and
access links.
"""
