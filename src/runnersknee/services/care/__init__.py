"""One episode of care: patients, intake and triage, assessments, plans, the patient's day
and alerts.
"""
