"""iCalendar (RFC 5545) for a meeting and for a forum's subscription feed, written out by hand:
a few properties, escaped and folded as the standard asks."""

from datetime import UTC, timedelta

from django.utils import timezone

PRODID = "-//IWL partnership self-assessment//Forums//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(meeting, now, agenda_titles) -> list[str]:
    ends = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
    description = "\n".join(f"{n}. {title}" for n, title in enumerate(agenda_titles, start=1))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.pk}@iwl-forums",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(meeting.starts_at)}",
        f"DTEND:{_stamp(ends)}",
        f"SUMMARY:{_escape(meeting.forum.name)}",
        f"LOCATION:{_escape(meeting.place)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_escape('Agenda:' + chr(10) + description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(meetings, *, name: str, agendas=None) -> bytes:
    """A calendar of ``meetings`` (each with its ``forum``); ``agendas`` maps a meeting id to
    its agenda item titles."""
    now = timezone.now()
    agendas = agendas or {}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for meeting in meetings:
        lines.extend(_event(meeting, now, agendas.get(meeting.pk, ())))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
