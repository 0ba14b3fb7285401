"""OPML import and export of feed sources.

``samverka import opml FILE [--cluster SLUG]`` and the import page check every outline first and
write nothing unless all are valid; the report has one line per feed outline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # writing the export only; reading goes through defusedxml
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.core.importing import ImportReport
from samverka.core.links import validate_web_link
from samverka.scanning import services
from samverka.scanning.models import FeedSource

HELP = (
    "An OPML file (as exported by feed readers) listing RSS/Atom feeds as outlines with an "
    "xmlUrl; the outline's text or title becomes the name. --cluster SLUG makes the cluster the "
    "owner (default: the national network)."
)
MAX_BYTES = 2 * 1024 * 1024
URL_MAX = FeedSource._meta.get_field("url").max_length or 1000


@dataclass
class OpmlImportReport(ImportReport):
    """The import report with one line per feed outline: what happened to it."""

    outlines: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        if self.file_error:
            return _("Nothing imported: %(reason)s") % {"reason": self.file_error}
        if self.errors:
            return _("Nothing imported: %(bad)d of %(rows)d feeds have errors.") % {
                "bad": len(self.bad_rows),
                "rows": self.rows,
            }
        counts = {"rows": self.rows, "created": self.created, "unchanged": self.unchanged}
        if self.dry_run:
            return (
                _("Checked %(rows)d feeds: would add %(created)d, %(unchanged)d already present.")
                % counts
            )
        return _("Imported %(rows)d feeds: %(created)d added, %(unchanged)d already present.") % (
            counts
        )


def add_arguments(parser: Any) -> None:
    """The options of ``samverka import opml``. ``--cluster`` is shared with other kinds (the
    events importer declares it too), so it is added only when missing."""
    if "--cluster" not in parser._option_string_actions:
        parser.add_argument("--cluster", metavar="SLUG", help="the cluster that owns the feeds")


#: Options of other kinds that this kind also reads (see ``samverka import``).
add_arguments.reuses = ("cluster",)  # type: ignore[attr-defined]


def _resolve_cluster(cluster: Any, report: OpmlImportReport) -> Cluster | None:
    if cluster is None or cluster == "" or isinstance(cluster, Cluster):
        return cluster or None
    found = Cluster.objects.filter(slug=str(cluster)).first()
    if found is None:
        report.file_error = _("no cluster with the slug %(slug)r") % {"slug": str(cluster)}
    return found


def _outlines(root: ET.Element) -> Iterable[ET.Element]:
    body = root.find("body")
    if body is None:
        return []
    return [o for o in body.iter("outline") if o.get("xmlUrl") is not None]


def import_opml(
    file: IO[bytes] | IO[str],
    *,
    filename: str = "",
    actor: Any = None,
    dry_run: bool = False,
    cluster: Any = None,
    **_options: Any,
) -> OpmlImportReport:
    """Import the feeds of an OPML file as sources of ``cluster`` (a Cluster or slug; None: the
    national network). Atomic: nothing is written unless every outline is valid."""
    report = OpmlImportReport(kind="opml", dry_run=dry_run)
    owner = _resolve_cluster(cluster, report)
    if report.file_error:
        return report
    if actor is not None and getattr(actor, "is_authenticated", False):
        allowed = (
            roles.can_manage_cluster(actor, owner) if owner else roles.is_platform_admin(actor)
        )
        if not allowed:
            report.file_error = _("you may not add feeds for this owner")
            return report
    data = file.read(MAX_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        report.file_error = _("the file is larger than 2 MB")
        return report
    try:
        # The parser refuses any DTD, entity declaration or external reference, in whatever
        # encoding the file is (a byte search for "<!DOCTYPE" misses UTF-16).
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        report.file_error = _("OPML files with a DOCTYPE or entities are not accepted")
        return report
    except SafeET.ParseError as exc:
        report.file_error = _("the file is not valid XML: %(error)s") % {"error": exc}
        return report
    if root.tag.lower() != "opml":
        report.file_error = _("the file is not OPML (its root element is %(tag)s)") % {
            "tag": root.tag
        }
        return report
    planned: list[tuple[str, str]] = []
    seen: set[str] = set()
    existing = set(FeedSource.objects.filter(cluster=owner).values_list("url", flat=True))
    for number, outline in enumerate(_outlines(root), start=1):
        report.rows += 1
        url = (outline.get("xmlUrl") or "").strip()
        name = (outline.get("text") or outline.get("title") or url).strip()[:200]
        line = {"outline": number, "url": url, "name": name}
        try:
            validate_web_link(url)
        except ValidationError:
            report.add_error(number, "xmlUrl", _("not an http(s) address: %(url)r") % {"url": url})
            report.outlines.append({**line, "status": "error"})
            continue
        if len(url) > URL_MAX:
            report.add_error(
                number,
                "xmlUrl",
                _("the address is longer than %(max)d characters") % {"max": URL_MAX},
            )
            report.outlines.append({**line, "status": "error"})
            continue
        if url in existing or url in seen:
            report.unchanged += 1
            report.outlines.append({**line, "status": "unchanged"})
            continue
        seen.add(url)
        planned.append((url, name))
        report.created += 1
        report.outlines.append({**line, "status": "created"})
    if not report.rows:
        report.file_error = _("the file has no feed outlines (outline elements with xmlUrl)")
        return report
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        for url, name in planned:
            services.save_source(actor=actor, url=url, name=name, cluster=owner)
    return report


def export_opml(sources: Iterable[FeedSource], *, title: str) -> bytes:
    """An OPML 2.0 document listing the sources."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = timezone.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = ET.SubElement(root, "body")
    for source in sources:
        ET.SubElement(
            body, "outline", type="rss", text=source.name, title=source.name, xmlUrl=source.url
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
