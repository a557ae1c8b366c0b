"""Documents in and out: case files, evaluation, reports, the FHIR export, erasure and
operator reads.
"""
