"""The framework format's ``survey`` flag: loading, checking, exporting and the content hash."""

from pathlib import Path

import pytest
from django.conf import settings

from assessments.frameworks import (
    FrameworkError,
    export_framework,
    load_framework_files,
    read_framework_file,
)
from tests.assessments.test_framework_loading import MINIMAL, write

pytestmark = pytest.mark.django_db

HEALTH_CHECK = Path(settings.BASE_DIR) / "fixtures" / "frameworks" / "partnership-health-check.yaml"
WITH_FLAG = MINIMAL.replace("countries: [england]\n", "countries: [england]\nsurvey: true\n")


def test_a_survey_framework_loads_and_exports_with_its_flag(tmp_path):
    (result,) = load_framework_files([write(tmp_path, WITH_FLAG)])
    assert result.framework.survey
    exported = export_framework(result.framework)
    assert "\nsurvey: true\n" in exported
    again = read_framework_file(write(tmp_path, exported, "exported.yaml"))
    assert again.hash == result.framework.content_hash


def test_leaving_the_flag_out_or_false_changes_no_hash(tmp_path):
    without = read_framework_file(write(tmp_path, MINIMAL))
    false = read_framework_file(
        write(
            tmp_path,
            MINIMAL.replace("countries: [england]\n", "countries: [england]\nsurvey: false\n"),
            "f.yaml",
        )
    )
    flagged = read_framework_file(write(tmp_path, WITH_FLAG, "t.yaml"))
    assert without.hash == false.hash != flagged.hash
    assert "survey" not in without.content
    (result,) = load_framework_files([write(tmp_path, MINIMAL, "m.yaml")])
    assert not result.framework.survey
    assert "survey" not in export_framework(result.framework)


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]"])
def test_the_flag_must_be_true_or_false(tmp_path, value):
    text = MINIMAL.replace("countries: [england]\n", f"countries: [england]\nsurvey: {value}\n")
    with pytest.raises(FrameworkError) as error:
        load_framework_files([write(tmp_path, text)])
    assert "survey: must be true or false" in str(error.value)


def test_the_bundled_health_check_is_a_survey_framework():
    (result,) = load_framework_files([HEALTH_CHECK])
    assert result.framework.survey
    assert list(result.framework.levels.values_list("value", flat=True)) == list(range(11))
