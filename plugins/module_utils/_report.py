# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""The data of the cluster acceptance report, for the role's templates to draw.

One row per host and GPU (or per host for a CPU run or a host that could not run). The
templates (roles/acceptance/templates/report.{md,html,json}.j2, written with
ansible.builtin.template, so --check --diff shows what would change) only lay out what
report_data() computes here: the sorted and typed rows, the counts, each table cell as display
text and each chart bar with its geometry. Pure functions: the same rows give the same data, so
a re-run with the same results changes nothing. Rows are sorted failures first, then by host,
then by GPU index.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DEFAULT_TITLE = "GPU cluster acceptance report"
FILE_NAMES = {"md": "report.md", "html": "report.html", "json": "report.json"}

TEXT_FIELDS = ("host", "gpu_name", "compute_capability", "device_kind", "driver_version",
               "cuda_runtime_version", "cudnn_version", "torch_version", "data_source",
               "nvml_state", "remedy")
NUMBER_FIELDS = ("epoch_seconds", "images_per_second", "test_accuracy")
EMPTY = "-"


class ReportError(Exception):
    """A row the report cannot use; the message says which row and why."""


def _text(value):
    if value is None or value == "":
        return None
    return str(value)


def _number(value, where):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ReportError("%s is a boolean, expected a number" % where)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ReportError("%s is %r, expected a number" % (where, value))


def _passed(value, where):
    if value is None or isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "yes", "1"):
        return True
    if str(value).lower() in ("false", "no", "0"):
        return False
    raise ReportError("%s is %r, expected true or false" % (where, value))


def normalize_row(row, position=0):
    """A copy of ``row`` with every report field present and typed.

    Unknown keys are kept (they appear in the JSON). ``passed`` missing or null means the host
    did not run and counts as a failure. ``reasons`` becomes a list of strings.
    """
    if not isinstance(row, dict):
        raise ReportError("row %d is a %s, expected a dict" % (position, type(row).__name__))
    where = "row %d (%s)" % (position, row.get("host"))
    out = dict(row)
    for key in TEXT_FIELDS:
        out[key] = _text(row.get(key))
    if out["host"] is None:
        raise ReportError("row %d has no host" % position)
    for key in NUMBER_FIELDS:
        out[key] = _number(row.get(key), "%s %s" % (where, key))
    index = row.get("gpu_index")
    if index is not None and index != "":
        try:
            out["gpu_index"] = int(index)
        except (TypeError, ValueError):
            raise ReportError("%s gpu_index is %r, expected an integer" % (where, index))
    else:
        out["gpu_index"] = None
    kind = (out["device_kind"] or "").upper()
    if kind not in ("GPU", "CPU"):
        kind = "GPU" if out["gpu_index"] is not None or out["gpu_name"] else None
    out["device_kind"] = kind
    out["passed"] = _passed(row.get("passed"), "%s passed" % where)
    reasons = row.get("reasons") or []
    out["reasons"] = [str(reasons)] if isinstance(reasons, str) else [str(r) for r in reasons]
    return out


def sort_rows(rows):
    """Normalised rows: failures (and hosts that did not run) first, then host, then GPU."""
    normal = [normalize_row(row, i) for i, row in enumerate(rows)]
    return sorted(normal, key=lambda r: (r["passed"] is True, r["host"],
                                         r["gpu_index"] is None, r["gpu_index"] or 0))


def status(row):
    if row["passed"] is True:
        return "PASS"
    return "FAIL" if row["passed"] is False else "NOT RUN"


def device_text(row):
    """What ran: ``GPU 0 NVIDIA H100 (CC 9.0)``, ``CPU`` or ``-``."""
    if row["device_kind"] == "CPU":
        return "CPU"
    if row["device_kind"] != "GPU":
        return EMPTY
    parts = ["GPU"]
    if row["gpu_index"] is not None:
        parts.append(str(row["gpu_index"]))
    if row["gpu_name"]:
        parts.append(row["gpu_name"])
    if row["compute_capability"]:
        parts.append("(CC %s)" % row["compute_capability"])
    return " ".join(parts)


LABEL_CHARS = 44  # what fits left of the bars; the bar's tooltip has the whole label


def _clip(text, length):
    return text if len(text) <= length else text[:max(1, length - 1)] + "\u2026"


def bar_label(row, limit=None):
    """The chart's label: host and GPU, or host and a visible CPU marker (never clipped)."""
    what = "[CPU]" if row["device_kind"] == "CPU" else device_text(row)
    host = row["host"]
    if limit and len(host) + 1 + len(what) > limit:
        if row["device_kind"] == "CPU":
            host = _clip(host, limit - 1 - len(what))
        else:
            host = _clip(host, max(12, limit - 1 - len(what)))
            what = _clip(what, limit - 1 - len(host))
    return "%s %s" % (host, what)


def notes(row):
    parts = list(row["reasons"])
    if row["nvml_state"]:
        parts.append("NVML: %s" % row["nvml_state"])
    if row["remedy"]:
        parts.append("remedy: %s" % row["remedy"])
    return "; ".join(parts)


def checks_text(row):
    """The named checks of a row: ``compile PASS; distributed PASS (gloo x2 (CPU) ...)``."""
    checks = row.get("checks")
    if not isinstance(checks, dict) or not checks:
        return EMPTY
    parts = []
    for name in sorted(checks):
        check = checks[name] if isinstance(checks[name], dict) else {}
        # skipped with a reason (the release's compiler cannot run on this Python) is not
        # "off" (a setting) and not a silent PASS: it says so and why
        verdict = ("SKIPPED" if check.get("skip_reason") else "off" if check.get("skipped")
                   else "PASS" if check.get("passed") is True else "FAIL")
        text = "%s %s" % (name, verdict)
        if check.get("skip_reason"):
            text += " (%s)" % check["skip_reason"]
        elif check.get("summary") and not check.get("skipped"):
            text += " (%s)" % check["summary"]
        parts.append(text)
    return "; ".join(parts)


def summarize(rows):
    """Counts over normalised rows."""
    return {
        "rows": len(rows),
        "hosts": len(set(r["host"] for r in rows)),
        "passed": sum(1 for r in rows if r["passed"] is True),
        "failed": sum(1 for r in rows if r["passed"] is not True),
        "cpu_rows": sum(1 for r in rows if r["device_kind"] == "CPU"),
    }


def _fmt(value, pattern):
    return EMPTY if value is None else pattern.format(value)


def cells(row):
    """The table's cells for one row, as display strings (same columns in every format)."""
    return [
        status(row), row["host"], device_text(row),
        row["driver_version"] or EMPTY, row["cuda_runtime_version"] or EMPTY,
        row["cudnn_version"] or EMPTY, row["torch_version"] or EMPTY,
        row["data_source"] or EMPTY, _fmt(row["epoch_seconds"], "{0:.2f}"),
        _fmt(row["images_per_second"], "{0:,.0f}"),
        _fmt(None if row["test_accuracy"] is None else 100 * row["test_accuracy"], "{0:.1f}%"),
        checks_text(row), notes(row) or EMPTY,
    ]


HEADERS = ["Status", "Host", "Device", "Driver", "CUDA", "cuDNN", "torch", "Data",
           "Epoch s", "Images/s", "Accuracy", "Checks", "Notes"]


def summary_line(summary):
    return "%d of %d rows passed on %d host(s); %d failed; %d ran on the CPU." % (
        summary["passed"], summary["rows"], summary["hosts"], summary["failed"],
        summary["cpu_rows"])


BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 6, 330, 380, 160


def chart_rows(rows):
    """The normalised rows that get a bar: those with a positive images/s figure."""
    return [r for r in sort_rows(rows) if (r["images_per_second"] or 0) > 0]


def chart(rows):
    """The horizontal bar chart of images/s, one bar per row with a figure: the SVG's size and
    per bar its class (C(bar), C(bar fail), C(bar cpu): CPU bars are grey and say CPU), its
    geometry, the clipped label, the value text and the tooltip (the whole label)."""
    bars = []
    chosen = chart_rows(rows)
    top = max([r["images_per_second"] for r in chosen] or [1])
    for i, row in enumerate(chosen):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        length = max(1, int(round(BAR_WIDTH * row["images_per_second"] / top)))
        cpu = row["device_kind"] == "CPU"
        value = "{0:,.0f} img/s{1}".format(row["images_per_second"], " (CPU)" if cpu else "")
        bars.append({
            "css": "bar cpu" if cpu else ("bar" if row["passed"] is True else "bar fail"),
            "y": y, "text_y": y + BAR_HEIGHT // 2 + 5, "length": length,
            "value_x": LABEL_WIDTH + length + 6, "value": value,
            "label": bar_label(row, LABEL_CHARS), "tooltip": bar_label(row) + ": " + value,
        })
    return {"width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
            "height": len(bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP,
            "label_x": LABEL_WIDTH - 8, "bar_x": LABEL_WIDTH, "bar_height": BAR_HEIGHT,
            "bars": bars}


def report_data(rows, title=DEFAULT_TITLE):
    """Everything the report templates draw, from the rows as the roles collect them."""
    rows = sort_rows(rows)
    summary = summarize(rows)
    return {
        "title": str(title),
        "summary": summary,
        "summary_line": summary_line(summary),
        "headers": list(HEADERS),
        "rows": rows,
        "table": [{"passed": row["passed"] is True, "cells": cells(row)} for row in rows],
        "chart": chart(rows),
        "failed_hosts": sorted(set(r["host"] for r in rows if r["passed"] is not True)),
    }
