"""Policy presets: every shipped file loads, bad files are refused with file, key and reason."""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path

import pytest

from disclosure.policies import (
    DEFAULT_POLICY_DIR,
    DisclosurePolicy,
    PolicyError,
    describe,
    load_policies,
    load_policy,
)
from disclosure.policies.presets import DayKind, DeadlineAction, DisclosureStart

PRESETS = ["cert-cc", "custom", "iso-29147", "project-zero", "zdi"]

MINIMAL = """
name = "{name}"
version = 1
title = "T"
description = "D"
source = "S"
"""


def write_policy(directory: Path, name: str, body: str = "") -> Path:
    path = directory / f"{name}.toml"
    path.write_text(MINIMAL.format(name=name) + body)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return str(caught.value)


def test_every_preset_loads() -> None:
    policies = load_policies()

    assert sorted(policies) == PRESETS
    for name, policy in policies.items():
        assert policy.name == name
        assert policy.version >= 1
        assert policy.title
        assert policy.description.strip()
        assert policy.source


def test_every_preset_comments_every_key() -> None:
    for path in sorted(DEFAULT_POLICY_DIR.glob("*.toml")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            is_key = line and not line.startswith(("#", "[", " ")) and " = " in line
            if is_key:
                has_comment = "#" in line or lines[number - 1].startswith("#")
                assert has_comment, f"{path.name}:{number + 1} {line!r} has no comment"


def test_project_zero_numbers() -> None:
    policy = load_policy(DEFAULT_POLICY_DIR / "project-zero.toml")

    assert policy.timers.disclose_days == 90
    assert policy.fix.patch_window_days == 30
    assert (policy.grace.days, policy.grace.in_the_wild_days) == (14, 3)
    assert policy.grace.must_request_before_deadline
    assert policy.grace.requires_patch_date
    assert policy.grace.eats_into_patch_window
    assert policy.timers.in_the_wild_days == 7
    assert policy.deadline.action is DeadlineAction.PUBLISH
    assert policy.label == "project-zero v1"


def test_cert_cc_zdi_and_iso_numbers() -> None:
    policies = load_policies()
    cert, zdi, iso = policies["cert-cc"], policies["zdi"], policies["iso-29147"]

    assert (cert.timers.disclose_days, cert.fix.patch_window_days) == (45, 0)
    assert cert.extensions.max_count > 0
    assert zdi.timers.disclose_days == 120
    assert zdi.timers.disclose_from is DisclosureStart.ACKNOWLEDGED
    assert (zdi.timers.acknowledge_days, zdi.timers.response_day_kind) == (5, DayKind.BUSINESS)
    assert zdi.deadline.action is DeadlineAction.PUBLISH_LIMITED
    assert iso.timers.disclose_days is None
    assert iso.deadline.action is DeadlineAction.NOTIFY


def test_custom_example_uses_business_days_berlin_and_weekend_move() -> None:
    policy = load_policy(DEFAULT_POLICY_DIR / "custom.toml")

    assert policy.timers.timezone == "Europe/Berlin"
    assert policy.timers.deadline_day_kind is DayKind.BUSINESS
    assert policy.timers.move_weekend_to_monday
    assert policy.timers.deadline_time == time(23, 59, 59)


def test_a_minimal_file_takes_the_safe_defaults(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, "bare"))

    assert policy.timers.disclose_days is None
    assert policy.deadline.action is DeadlineAction.NOTIFY
    assert policy.extensions.max_count == 0
    assert policy.warnings.fractions == (0.5, 0.75, 0.9)


def test_policy_is_frozen(tmp_path: Path) -> None:
    policy = load_policy(write_policy(tmp_path, "bare"))

    with pytest.raises(ValueError, match="frozen"):
        policy.version = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("body", "key", "reason"),
    [
        ("[timers]\ndisclose_days = -1\n", "timers.disclose_days", "must be >= 0"),
        ("[timers]\ndisclose_days = 90.0\n", "timers.disclose_days", "must be an integer"),
        ('[timers]\ndisclose_days = "90"\n', "timers.disclose_days", "must be an integer"),
        ("[timers]\ndisclose_days = 99999\n", "timers.disclose_days", "must be <= 3650"),
        ("[timers]\ndisclose_dayz = 90\n", "timers.disclose_dayz", "unknown key"),
        ('[timers]\ntimezone = "Mars/Olympus"\n', "timers.timezone", "unknown time zone"),
        ('[timers]\nday_kind = "lunar"\n', "timers.day_kind", "unknown key"),
        ('[timers]\ndeadline_day_kind = "lunar"\n', "timers.deadline_day_kind", "must be one of"),
        ('[timers]\ndeadline_time = "23:59"\n', "timers.deadline_time", "TOML local time"),
        ("[timers]\nmove_weekend_to_monday = 1\n", "timers.move_weekend_to_monday", "true or"),
        ("[warnings]\nfractions = [0.5, 0.4]\n", "warnings.fractions", "strictly increasing"),
        ("[warnings]\nfractions = [0.5, 1.0]\n", "warnings.fractions", "between 0 and 1"),
        ("[warnings]\nfractions = [0.333]\n", "warnings.fractions", "whole percentage"),
        ('[deadline]\naction = "shout"\n', "deadline.action", "must be one of"),
        ("[grace]\ndays = 14\n", "grace.days", "needs timers.disclose_days"),
        ("[timers]\ndisclose_days = 90\n[deadline]\naction = 'notify'\n[grace]\ndays = 14\n"
         "eats_into_patch_window = true\n", "grace.days", "fix.patch_window_days"),
        ("[timers]\nin_the_wild_days = 7\n", "timers.in_the_wild_days", "needs timers.disclose"),
        ("[timers]\ndisclose_days = 5\nin_the_wild_days = 7\n", "timers.in_the_wild_days",
         "must be <= timers.disclose_days"),
        ("[timers]\nacknowledge_days = 5\ntriage_days = 2\n", "timers.triage_days",
         "must be >= timers.acknowledge_days"),
        ("[timers]\ndisclose_days = 90\nunanswered_disclose_days = 15\n",
         "timers.unanswered_disclose_days", 'disclose_from = "acknowledged"'),
        ("[timers]\ndisclose_days = 90\n[extensions]\nmax_count = 2\n",
         "extensions.max_total_days", "must be > 0"),
        ("[extensions]\nmax_count = 1\nmax_total_days = 5\n", "extensions.max_count",
         "needs timers.disclose_days"),
        ('[deadline]\naction = "publish"\n', "deadline.action", 'must be "notify"'),
        ("[fix]\npatch_window_days = 5\nin_the_wild_patch_window_days = 10\n",
         "fix.in_the_wild_patch_window_days", "must be <= fix.patch_window_days"),
        ("timers = 3\n", "timers", "must be a table"),
    ],
)  # fmt: skip
def test_invalid_policy_is_refused_naming_file_key_and_reason(
    tmp_path: Path, body: str, key: str, reason: str
) -> None:
    message = refusal(write_policy(tmp_path, "broken", body))

    assert message.startswith(f"{tmp_path / 'broken.toml'}: {key}: ")
    assert reason in message
    assert "\n" not in message


def test_missing_required_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nameless.toml"
    path.write_text('version = 1\ntitle = "T"\ndescription = "D"\nsource = "S"\n')

    assert refusal(path) == f"{path}: name: is required"


def test_name_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(MINIMAL.format(name="mine"))

    assert refusal(path) == f"{path}: name: must match the file name ('other')"


def test_not_toml_is_refused_with_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")

    message = refusal(path)

    assert message.startswith(f"{path}: not valid TOML: ")
    assert "line 1" in message


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path / "absent.toml") == f"{tmp_path / 'absent.toml'}: file does not exist"


def test_preset_paths_are_shown_relative_to_the_project(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policies([DEFAULT_POLICY_DIR, tmp_path / "nowhere"])
    assert str(caught.value) == f"{tmp_path / 'nowhere'}: is not a directory"

    with pytest.raises(PolicyError) as caught:
        load_policy(DEFAULT_POLICY_DIR / "missing.toml")
    assert str(caught.value) == "config/policies/missing.toml: file does not exist"

    error = PolicyError("config/policies/zdi.toml", "timers.disclose_days", "must be >= 0")
    assert str(error) == "config/policies/zdi.toml: timers.disclose_days: must be >= 0"


def test_a_later_directory_overrides_a_preset_by_name(tmp_path: Path) -> None:
    write_policy(tmp_path, "project-zero", "[timers]\ndisclose_days = 60\n"
                 "[deadline]\naction = 'publish'\n")  # fmt: skip
    write_policy(tmp_path, "in-house")

    policies = load_policies([DEFAULT_POLICY_DIR, tmp_path])

    assert policies["project-zero"].timers.disclose_days == 60
    assert policies["in-house"].title == "T"
    assert policies["zdi"].timers.disclose_days == 120


def test_a_broken_override_is_refused_not_skipped(tmp_path: Path) -> None:
    write_policy(tmp_path, "zdi", "[timers]\ndisclose_days = -1\n")

    with pytest.raises(PolicyError, match=r"zdi\.toml: timers\.disclose_days: must be >= 0"):
        load_policies([DEFAULT_POLICY_DIR, tmp_path])


def test_custom_is_a_template_for_every_key() -> None:
    """custom.toml mentions every key the model knows, so a deployment can copy it."""
    text = (DEFAULT_POLICY_DIR / "custom.toml").read_text()
    data = tomllib.loads(text)

    for section, model in DisclosurePolicy.model_fields.items():
        assert section in data or section in text
        annotation = model.annotation
        for key in getattr(annotation, "model_fields", {}):
            assert f"{key} =" in text, f"custom.toml does not mention {section}.{key}"


def test_describe_project_zero_mentions_the_numbers() -> None:
    text = " ".join(describe(load_policies()["project-zero"]))

    for phrase in ["3 business days", "90 days", "30 days after the fix", "14 days",
                   "day 120", "7 days", "3 days", "public notice"]:  # fmt: skip
        assert phrase in text


def test_describe_other_presets_in_plain_words() -> None:
    policies = load_policies()
    zdi = " ".join(describe(policies["zdi"]))
    cert = " ".join(describe(policies["cert-cc"]))
    iso = " ".join(describe(policies["iso-29147"]))
    custom = " ".join(describe(policies["custom"]))

    assert "120 days after the vendor's answer" in zdi
    assert "15 business days" in zdi
    assert "limited advisory" in zdi
    assert "45 days after receipt" in cert
    assert "published with it" in cert
    assert "no fixed publication deadline" in iso
    assert "Europe/Berlin" in custom
    assert "Monday" in custom
    assert "clock stops" in custom
    assert all(sentence.endswith(".") for sentence in describe(policies["custom"]))
