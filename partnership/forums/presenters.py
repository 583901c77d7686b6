"""What a meeting's page, its agenda PDF and its minutes PDF show, built once for all three."""

from dataclasses import dataclass, field

from ..models import Membership
from ..signing import ledger
from . import links, services
from .models import Attendance, Meeting, MinutesAgreement, minutes_subject

Side = Membership.Side
PDF_BASE = "partnership/_pdf_base.html"


@dataclass
class SideAttendance:
    side: str
    label: str
    quorum: int
    present: int
    quorate: bool
    people: list = field(default_factory=list)  # (name, status label)


@dataclass
class MeetingPresenter:
    meeting: Meeting
    items: list
    carried: list
    attendance: list
    decisions: list
    agreements: list  # (agreement, verification)
    subject: dict

    @classmethod
    def build(cls, meeting: Meeting) -> "MeetingPresenter":
        items = list(meeting.agenda_items.select_related("link_type").prefetch_related("link"))
        for item in items:
            item.link_description = links.describe(item)
        recorded = {
            a.member_id: a
            for a in Attendance.objects.filter(meeting=meeting).select_related("member__user")
        }
        members = list(meeting.forum.members.select_related("user"))
        attendance = []
        for side, label in Side.choices:
            people = [
                (
                    m.user.get_full_name(),
                    recorded[m.pk].get_status_display() if m.pk in recorded else "Not recorded",
                )
                for m in members
                if m.side == side
            ]
            is_management = side == Side.MANAGEMENT
            attendance.append(
                SideAttendance(
                    side=side,
                    label=label,
                    quorum=meeting.management_quorum
                    if is_management
                    else meeting.staff_side_quorum,
                    present=(
                        meeting.management_present if is_management else meeting.staff_side_present
                    ),
                    quorate=(
                        meeting.quorate_management if is_management else meeting.quorate_staff_side
                    ),
                    people=people,
                )
            )
        decisions = list(meeting.decisions.all())
        subject = minutes_subject(meeting)
        records = list(
            MinutesAgreement.objects.filter(meeting=meeting)
            .select_related("signer", "ledger_entry", "void_entry")
            .order_by("created_at")
        )
        voided = ledger.voided_ids(records)
        agreements = [
            (record, ledger.verify(record, subject, voided_record_ids=voided)) for record in records
        ]
        return cls(
            meeting=meeting,
            items=items,
            carried=list(services.carried_actions(meeting)),
            attendance=attendance,
            decisions=decisions,
            agreements=agreements,
            subject=subject,
        )

    @property
    def active_agreements(self):
        return {record.side: record for record, _ in self.agreements if not record.is_void}

    @property
    def minutes_agreed(self):
        return len(self.active_agreements) == len(Side.values)

    def context(self, *, for_pdf=False):
        return {
            "meeting": self.meeting,
            "forum": self.meeting.forum,
            "organisation": self.meeting.forum.organisation,
            "page": self,
            "for_pdf": for_pdf,
            "base_template": PDF_BASE if for_pdf else "base.html",
        }
