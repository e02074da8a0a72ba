"""A form for each event, built from the event's JSON schema (issue 23), and the form's answer back to data.

The schema is the contract the API checks (`state_machines.event_data*`); the board only chooses
a control for each property: a date picker for `format: date`, a date and time for
`format: date-time` (China time), an amount (step 0.01) for a decimal, a select for an enum,
checkboxes for a list of enum values, a choice of the district's people for the properties
that name principals. Nested objects (a proposal, the amounts) become a fieldset whose inputs
are named with dots. What the person fills in goes to the same command as the API's, which
refuses it the same way; nothing is validated twice here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.board.labels import field_label, value_label


def ascii_digits(text: str) -> bool:
    """Digits int() reads as officers mean them: str.isdigit() also says yes to "²" (int() then raises,
    a 500) and to "١٢٣" (read as 123); only ASCII digits are a number here."""
    return text.isascii() and text.isdigit()

PEOPLE_FIELDS = frozenset({"officers", "panel", "attendees"})
PERSON_FIELDS = frozenset({"co_officer", "presided_by"})
PREFIX = "d."
"""Form names of the data's inputs start with this, apart from csrf, event, version, key and reason."""


@dataclass
class Control:
    name: str
    """The dotted path in the data (`proposal.fine`); the input's name is `PREFIX + name`."""
    label: str
    widget: str
    """text, textarea, date, datetime, amount, integer, select, checks, yesno, check, person, people, lines"""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    top: str = ""
    """The top-level property: the API's `error.fields` name it."""

    @property
    def input_name(self) -> str:
        return PREFIX + self.name


def _unwrap(prop: dict) -> tuple[dict, bool]:
    """The non-null alternative of an `anyOf [X, null]`, and whether null was allowed."""
    alternatives = prop.get("anyOf")
    if alternatives and any(a.get("type") == "null" for a in alternatives):
        rest = [a for a in alternatives if a.get("type") != "null"]
        if len(rest) == 1:
            return {**{k: v for k, v in prop.items() if k != "anyOf"}, **rest[0]}, True
        return {**{k: v for k, v in prop.items() if k != "anyOf"}, "anyOf": rest}, True
    return prop, False


def controls(schema: dict, people: list[tuple[str, str]], places: dict[str, list[tuple[str, str]]] | None = None,
             *, prefix: str = "", top: str = "", defs: dict | None = None) -> list[Control]:
    """The form's controls for a JSON schema object, in the schema's order."""
    defs = defs if defs is not None else schema.get("$defs", {})
    required = set(schema.get("required", []))
    out: list[Control] = []
    for name, raw in schema.get("properties", {}).items():
        prop, _nullable = _unwrap(raw)
        if "$ref" in prop:
            prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in prop.items() if k != "$ref"}}
        path, owner = prefix + name, top or name
        control = Control(path, field_label(name), "text", name in required, top=owner,
                          max_length=prop.get("maxLength"))
        if prop.get("type") == "object" or "properties" in prop:
            control.widget = "group"
            out.append(control)
            out.extend(controls(prop, people, places, prefix=path + ".", top=owner, defs=defs))
            continue
        kind = prop.get("type")
        if "decimal_places" in prop or ("anyOf" in prop and {a.get("type") for a in prop["anyOf"]} >= {"number"}):
            control.widget = "amount"
        elif name in PEOPLE_FIELDS and kind == "array":
            control.widget, control.options = "people", people
        elif name in PERSON_FIELDS:
            control.widget, control.options = "person", people
        elif places and name in places:
            control.widget, control.options = "select", places[name]
        elif "enum" in prop or "const" in prop:
            values = prop.get("enum") or [prop["const"]]
            if values == [True]:
                control.widget = "check"
            else:
                control.widget, control.options = "select", [(str(v), value_label(v)) for v in values]
        elif kind == "array" and "enum" in prop.get("items", {}):
            control.widget = "checks"
            control.options = [(str(v), value_label(v)) for v in prop["items"]["enum"]]
        elif kind == "array":
            control.widget = "lines"
        elif kind == "boolean":
            control.widget = "yesno" if name in required or "default" not in prop or prop["default"] is None \
                else "check"
        elif kind == "integer":
            control.widget = "integer"
        elif prop.get("format") == "date":
            control.widget = "date"
        elif prop.get("format") == "date-time":
            control.widget = "datetime"
        elif (prop.get("maxLength") or 0) > 200:
            control.widget = "textarea"
        out.append(control)
    return out


def data_of(form: dict[str, list[str]], fields: list[Control]) -> dict:
    """The event's data from the submitted form: empty inputs are left out, as a JSON client would."""
    data: dict = {}
    for c in fields:
        if c.widget == "group":
            continue
        values = [v for v in form.get(c.input_name, []) if v is not None]
        value: object
        if c.widget in ("people", "checks"):
            value = [v for v in values if v]
            if not value:
                continue
        elif c.widget == "lines":
            value = [line.strip() for v in values for line in v.splitlines() if line.strip()]
            if not value:
                continue
        else:
            text = values[0].strip() if values else ""
            if not text:
                continue
            if c.widget == "check":
                value = True
            elif c.widget == "yesno":
                value = {"true": True, "false": False}.get(text, text)
            elif c.widget == "integer":
                value = int(text) if ascii_digits(text.lstrip("-")) and len(text) < 15 else text
            elif c.widget == "datetime":
                value = text if len(text) > 16 else f"{text}:00+08:00"  # the picker's minutes, China time
            else:
                value = text
        target = data
        *parents, last = c.name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return data
