"""Handing over an access link: by e-mail when SMTP is configured, else shown once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from fastapi import Request

from runnersknee.config import Settings
from runnersknee.services.access.access_links import IssuedLink
from runnersknee.services.platform.mail import MailSettings, send_access_link
from runnersknee.web.common import settings

__all__ = ["LINK_PREFIX", "Delivery", "RedactLinks", "deliver"]

#: Path of the page an access link opens (the token follows).
LINK_PREFIX = "/account/link/"
_TOKEN_IN_PATH = re.compile(re.escape(LINK_PREFIX) + r"[^\s?\"]+")


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a link reached its owner: ``emailed`` to them, or ``url`` to hand over once."""

    link: IssuedLink
    url: str
    emailed: bool


def _mail(cfg: Settings) -> MailSettings:
    return MailSettings(
        cfg.smtp_host, cfg.smtp_port, cfg.smtp_sender, cfg.smtp_user, cfg.smtp_password,
        cfg.smtp_starttls,
    )  # fmt: skip


def deliver(request: Request, link: IssuedLink) -> Delivery:
    """E-mail the link when mail is configured (else, or on failure, it is shown once)."""
    cfg = settings(request)
    base = cfg.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    url = f"{base}{LINK_PREFIX}{link.token}"
    emailed = send_access_link(_mail(cfg), link.email, link.purpose, url, link.hours)
    return Delivery(link, url, emailed)


class RedactLinks(logging.Filter):
    """Keep link tokens out of the server's access log (they are one-time secrets)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the token of an access-link path in the record's arguments."""
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_PATH.sub(LINK_PREFIX + "[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True
