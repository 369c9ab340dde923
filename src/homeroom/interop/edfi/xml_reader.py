"""Ed-Fi XML interchange files → the same resource records as the API's JSON.

The file is streamed with a defused SAX parser (no entity expansion, no external DTDs), one
top-level element (a `<Student>`, a `<StudentSchoolAttendanceEvent>`, …) at a time, so a large
interchange never sits in memory as a tree. Each element becomes the record the ODS/API would
return for it (see `xml_shapes`), remembering the line where the element starts. A file that is
not well-formed XML stops the import with the file, line and column of the fault.
"""

from __future__ import annotations

import xml.sax
from pathlib import Path
from typing import Any

import defusedxml.sax
from defusedxml import DefusedXmlException

from homeroom.contract.errors import ContractError
from homeroom.interop.edfi.resources import FILE, LINE, Record, Resources, plural
from homeroom.interop.edfi.xml_shapes import Node, reference_keys, to_record


class _Handler(xml.sax.handler.ContentHandler):
    def __init__(self, label: str):
        super().__init__()
        self.label = label
        self.locator: Any = None
        self.stack: list[Node] = []
        self.records: list[tuple[str, Record]] = []
        self.ids: dict[str, dict[str, Any]] = {}
        self.root: str | None = None

    def setDocumentLocator(self, locator: Any) -> None:  # noqa: N802 (SAX's name)
        self.locator = locator

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802
        tag = name.rsplit(":", 1)[-1]
        if self.root is None:
            self.root = tag
            return
        line = self.locator.getLineNumber() if self.locator else None
        self.stack.append(Node(tag, dict(attrs.items()), line))

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].text.append(content)

    def endElement(self, name: str) -> None:  # noqa: N802
        if not self.stack:
            return
        node = self.stack.pop()
        if self.stack:
            self.stack[-1].children.append(node)
            return
        resource = plural(node.tag)
        record = to_record(resource, node)
        record[FILE] = self.label
        record[LINE] = node.line
        self.records.append((resource, record))
        element_id = node.attrs.get("id")
        if element_id:
            self.ids[element_id] = reference_keys(node.tag, record)


def read_xml_records(path: Path) -> Resources:
    """The records of one interchange file, by resource name."""
    label = path.name
    handler = _Handler(label)
    parser = defusedxml.sax.make_parser()
    parser.setContentHandler(handler)
    parser.setFeature(xml.sax.handler.feature_namespaces, False)
    try:
        with path.open("rb") as stream:
            parser.parse(stream)
    except xml.sax.SAXParseException as error:
        raise ContractError(
            f"{label}, line {error.getLineNumber()}, column {(error.getColumnNumber() or 0) + 1}: "
            f"not well-formed XML ({error.getMessage()}); a truncated file or one saved in "
            "another encoding than its <?xml encoding=…?> declaration says"
        ) from None
    except DefusedXmlException as error:
        raise ContractError(
            f"{label}: refused: the XML uses a DTD, entity or external reference "
            f"({type(error).__name__}); Ed-Fi interchange files need none"
        ) from None
    except OSError as error:
        raise ContractError(f"{label}: cannot be read ({error.strerror})") from None
    out: Resources = {}
    for resource, record in handler.records:
        _resolve_refs(record, handler.ids)
        out.setdefault(resource, []).append(record)
    return out


def _resolve_refs(value: Any, ids: dict[str, dict[str, Any]]) -> None:
    """`<SchoolReference ref="SCOL_1"/>`: fill the reference from the element with that id."""
    if isinstance(value, list):
        for item in value:
            _resolve_refs(item, ids)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key.endswith("Reference") and isinstance(item, dict) and "@ref" in item:
            found = ids.get(str(item["@ref"]), {})
            for name, keyed in found.items():
                item.setdefault(name, keyed)
            item.pop("@ref")
        else:
            _resolve_refs(item, ids)
