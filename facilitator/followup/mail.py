"""Reminder e-mails when a check-in opens, sent only where an SMTP server is configured.

The server that wrote `checkin.opened` sends them (see `Feature.reacts`), once: at most once, as a
crash between the write and the send loses them rather than sending twice. Addresses go to the
SMTP server and nowhere else: no log line names one, and each message has one recipient, so no
participant learns another's address.
"""

import logging
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio

from facilitator.followup.dates import describe
from facilitator.followup.model import followup_of
from facilitator.rooms.model import Event, RoomState

log = logging.getLogger(__name__)
TIMEOUT = 20  # seconds, per connection


def reminders(state: RoomState, checkin_id: str, base: str) -> list[EmailMessage]:
    """One message per address a participant still in the exchange gave, for a check-in that opened."""
    followup = followup_of(state)
    checkin = followup.checkins[checkin_id]
    link = f"{base.rstrip('/')}/r/{state.code}/follow-up"
    messages = []
    for participant_id, address in followup.contacts.items():
        person = state.participants.get(participant_id)
        if person is None or person.removed:
            continue
        message = EmailMessage()
        message["To"] = address
        message["Subject"] = f"Check-in due: how is it going? ({state.title})"
        message.set_content(
            f"Hello {person.name},\n\n"
            f'The {describe(checkin.after)} check-in of "{state.title}" is open. How is '
            f"{person.organisation}'s action plan going? Update its milestones and answer three short "
            f"questions here:\n\n{link}\n\n"
            "You get this because you gave this address for reminders; remove it on the same page.\n"
        )
        messages.append(message)
    return messages


def send(smtp_url: str, sender: str, messages: list[EmailMessage]) -> None:
    """Send over one connection to `smtp://[user:password@]host[:port]` (smtps:// for TLS)."""
    url = urlsplit(smtp_url)
    secure = url.scheme == "smtps"
    connect = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with connect(url.hostname or "localhost", url.port or (465 if secure else 25), timeout=TIMEOUT) as smtp:
        if url.username:
            if not secure:
                smtp.starttls()
            smtp.login(unquote(url.username), unquote(url.password or ""))
        for message in messages:
            message["From"] = sender
            smtp.send_message(message)


async def remind(state: RoomState, event: Event, settings: Any) -> None:
    """Reminders for the check-in this event opened; nothing at all without `SMTP_URL`."""
    if not settings.smtp_url:
        return
    messages = reminders(state, event.data["checkin_id"], settings.public_url or "")
    if not messages:
        return
    try:
        await anyio.to_thread.run_sync(send, settings.smtp_url, settings.mail_from, messages)
        log.info("room %s: %d check-in reminders sent", state.code, len(messages))
    except (OSError, smtplib.SMTPException) as error:
        # The error's type only: an SMTP reply may quote a recipient's address.
        log.warning("room %s: check-in reminders not sent: %s", state.code, type(error).__name__)
