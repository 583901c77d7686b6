"""The pre-aggregated gap map: per network, framework, period, criterion and what the gap map
groups by, how many joined organisations' signed-off summaries have it.

Kept equal to a direct count over the summary rows, in the same transactions that change either
side of the count:

- ``write_summary`` / ``remove_summary`` (sign-off and reopening) add or subtract the
  assessment's rows for every network its organisation has joined;
- a membership becoming joined, or ceasing to be (leaving, or being deleted with its network or
  organisation), adds or subtracts all of the organisation's summaries for that one network
  (``membership_saved`` / ``membership_deleted``, connected in ``AssessmentsConfig.ready`` so
  that ``partnership`` never imports ``assessments``).

Each change is one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` per table, so
its cost is that of the rows changed, never of the network. ``rebuild`` recounts from scratch
(bulk loads, and checking).
"""

from django.db import connection

from partnership.models import Network, NetworkOrganisation, Organisation

from .models import (
    GAP_COUNT_KEY,
    NOT_AGREED_VALUE,
    AssessmentSummary,
    CriterionSummary,
    NetworkCriterionCount,
    NetworkSummaryCount,
)

JOINED = NetworkOrganisation.Status.JOINED
CRITERION_KEY = ("network_id", *GAP_COUNT_KEY)
SUMMARY_KEY = ("network_id", "framework_slug", "period")


def _upsert(table: str, key: tuple, select: str, params: list) -> None:
    columns = ", ".join((*key, "organisations"))
    conflict = ", ".join(key)
    sql = (
        f"INSERT INTO {table} ({columns}) {select} "
        f"ON CONFLICT ({conflict}) DO UPDATE "
        f"SET organisations = {table}.organisations + excluded.organisations"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _shift(sign: int, *, where: str, params: list, network_id=None) -> None:
    """Add (``sign`` 1) or subtract (-1) the summaries matching ``where`` (on ``s``, the
    assessment summary, and ``c``, its criterion rows): to ``network_id`` if given, otherwise
    to every network their organisation has joined."""
    sign = 1 if sign > 0 else -1
    summaries = AssessmentSummary._meta.db_table
    criteria = CriterionSummary._meta.db_table
    places = NetworkOrganisation._meta.db_table
    if network_id is None:
        network = "m.network_id"
        join = f"INNER JOIN {places} m ON m.organisation_id = s.organisation_id AND m.status = %s"
        join_params = [JOINED.value]
    else:
        network = "n.id"
        join = f"INNER JOIN {Network._meta.db_table} n ON n.id = %s"
        join_params = [network_id]
    agreed = f"COALESCE(c.agreed_rating, {NOT_AGREED_VALUE})"
    _upsert(
        NetworkCriterionCount._meta.db_table,
        CRITERION_KEY,
        # Table and column names from _meta and constants; every value is a parameter.
        f"SELECT {network}, c.framework_slug, c.period, c.criterion_ref, {agreed}, c.barrier, "  # noqa: S608
        f"c.below_met, c.divergent, {sign} * COUNT(*) "
        f"FROM {criteria} c INNER JOIN {summaries} s ON s.id = c.summary_id {join} "
        f"WHERE c.not_applicable = %s AND {where} "
        f"GROUP BY {network}, c.framework_slug, c.period, c.criterion_ref, {agreed}, c.barrier, "
        f"c.below_met, c.divergent",
        [*join_params, False, *params],
    )
    _upsert(
        NetworkSummaryCount._meta.db_table,
        SUMMARY_KEY,
        f"SELECT {network}, s.framework_slug, s.period, {sign} * COUNT(*) "  # noqa: S608
        f"FROM {summaries} s {join} WHERE {where} "
        f"GROUP BY {network}, s.framework_slug, s.period",
        [*join_params, *params],
    )
    for model in (NetworkCriterionCount, NetworkSummaryCount):
        model.objects.filter(organisations=0).filter(
            **({"network_id": network_id} if network_id is not None else {})
        ).delete()


def _db(model, value):
    """An id as the database stores it (UUIDs are hex strings on SQLite)."""
    return model._meta.pk.get_db_prep_value(value, connection)


def add_summary(summary_id) -> None:
    _shift(1, where="s.id = %s", params=[_db(AssessmentSummary, summary_id)])


def subtract_summary(summary_id) -> None:
    _shift(-1, where="s.id = %s", params=[_db(AssessmentSummary, summary_id)])


def _membership(sign, network_id, organisation_id) -> None:
    _shift(
        sign,
        where="s.organisation_id = %s",
        params=[_db(Organisation, organisation_id)],
        network_id=_db(Network, network_id),
    )


def add_membership(network_id, organisation_id) -> None:
    _membership(1, network_id, organisation_id)


def subtract_membership(network_id, organisation_id) -> None:
    _membership(-1, network_id, organisation_id)


def rebuild() -> None:
    """Recount everything from the summary rows (after a bulk load, or to check)."""
    NetworkCriterionCount.objects.all().delete()
    NetworkSummaryCount.objects.all().delete()
    _shift(1, where="1 = 1", params=[])


# --- Memberships (signal receivers) -------------------------------------------------------------


def membership_saved(sender, instance: NetworkOrganisation, created, **kwargs) -> None:
    was_joined = not created and getattr(instance, "loaded_status", None) == JOINED
    is_joined = instance.status == JOINED
    if is_joined and not was_joined:
        add_membership(instance.network_id, instance.organisation_id)
    elif was_joined and not is_joined:
        subtract_membership(instance.network_id, instance.organisation_id)
    instance.loaded_status = instance.status


def membership_deleted(sender, instance: NetworkOrganisation, **kwargs) -> None:
    """Before the delete, while the organisation's summaries are still there (a cascade sends
    every pre_delete signal before it deletes anything)."""
    if getattr(instance, "loaded_status", instance.status) == JOINED:
        subtract_membership(instance.network_id, instance.organisation_id)
