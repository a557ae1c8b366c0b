"""The clinician's views of one record across contexts: summary, timeline, discharge and
plan-change suggestions.
"""
