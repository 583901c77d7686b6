from django.contrib import admin

from .models import (
    Assessment,
    Criterion,
    Crosswalk,
    CrosswalkPair,
    CrosswalkUnmapped,
    Framework,
    RatingLevel,
    Stage,
    Standard,
)


class RatingLevelInline(admin.TabularInline):
    model = RatingLevel
    extra = 0


class StageInline(admin.StackedInline):
    model = Stage
    extra = 0


class StandardInline(admin.TabularInline):
    model = Standard
    extra = 0
    fields = ["position", "ref", "title"]
    show_change_link = True


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    """Frameworks are loaded from YAML (`load_framework`); the admin is for looking, and for
    fixing typos only in an emergency, since a loaded version should match its file."""

    list_display = ["title", "slug", "version", "publication_date"]
    search_fields = ["title", "slug"]
    readonly_fields = ["content_hash"]
    inlines = [RatingLevelInline, StageInline, StandardInline]


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0
    fields = ["position", "ref", "statement", "guidance", "weight", "core", "tags"]


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "framework"]
    list_filter = ["framework"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["ref", "statement", "framework", "core", "weight"]
    list_filter = ["framework", "core"]
    search_fields = ["ref", "statement"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "framework", "period", "status"]
    list_filter = ["status", "framework"]
    search_fields = ["title", "organisation__name", "organisation__ods_code"]


class CrosswalkPairInline(admin.TabularInline):
    model = CrosswalkPair
    extra = 0
    fields = ["position", "from_criterion", "to_criterion", "relation", "note"]
    raw_id_fields = ["from_criterion", "to_criterion"]


class CrosswalkUnmappedInline(admin.TabularInline):
    model = CrosswalkUnmapped
    extra = 0
    fields = ["position", "side", "criterion", "reason"]
    raw_id_fields = ["criterion"]


@admin.register(Crosswalk)
class CrosswalkAdmin(admin.ModelAdmin):
    """Crosswalks are loaded from YAML (`load_crosswalk`); correct the file and load it again
    rather than editing here, so the file stays the source."""

    list_display = ["__str__", "from_framework", "to_framework", "updated_at"]
    readonly_fields = ["content_hash"]
    inlines = [CrosswalkPairInline, CrosswalkUnmappedInline]
