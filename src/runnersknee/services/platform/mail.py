"""Outgoing e-mail (SMTP, stdlib): only access links are sent, and only when configured."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

__all__ = ["MailSettings", "send_access_link"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where to send mail from; ``host`` empty means mail is not configured."""

    host: str = ""
    port: int = 587
    sender: str = ""
    user: str = ""
    password: str = ""
    starttls: bool = True

    @property
    def configured(self) -> bool:
        """Whether an SMTP server and a sender address are set."""
        return bool(self.host and self.sender)


def _message(to: str, purpose: str, url: str, hours: int) -> EmailMessage:
    message = EmailMessage()
    first = purpose == "invite"
    message["Subject"] = "Your runnersknee sign-in" if first else "Reset your runnersknee password"
    message["To"] = to
    what = "choose your password and sign in" if first else "choose a new password"
    message.set_content(
        f"Open this link to {what}:\n\n{url}\n\n"
        f"It works once, for {hours} hour{'s' if hours != 1 else ''}. "
        "If you did not expect this message, ignore it.\n"
    )
    return message


def send_access_link(mail: MailSettings, to: str, purpose: str, url: str, hours: int) -> bool:
    """Send a link by e-mail; False when mail is not configured or the server refused it
    (the caller then shows the link once). The link is never logged."""
    if not mail.configured:
        return False
    message = _message(to, purpose, url, hours)
    message["From"] = mail.sender
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=10) as smtp:
            if mail.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if mail.user:
                smtp.login(mail.user, mail.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        _LOG.warning("sending an access link failed: %s", type(error).__name__)
        return False
    return True
