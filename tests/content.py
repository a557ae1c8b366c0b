"""The packaged clinical content without overrides, built once for the tests.

Entry points build theirs with ``runnersknee.bootstrap``; tests that call use cases directly
pass this bundle (tests of the overrides build their own).
"""

from runnersknee.content.bundle import ClinicalContent, load_clinical_content

__all__ = ["CONTENT"]

CONTENT: ClinicalContent = load_clinical_content()
