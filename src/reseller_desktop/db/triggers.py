"""Row triggers and the plpgsql functions they run, as data that renders its own DDL.

A migration keeps the database's own rules (counts, places, tiers) in triggers so that every client
obeys them. Each rule is a function (its declarations and its body) and one or more triggers that
run it for each row; the statements around them are always the same, so they are written once here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TriggerFunction:
    """A plpgsql function `name() RETURNS trigger`: `body` runs between BEGIN and END, `declare`
    (one variable a line) is its DECLARE block when it has one."""

    name: str
    body: str
    declare: str = ""

    @property
    def sql(self) -> str:
        declarations, body = self.declare.strip("\n"), self.body.strip("\n")
        declare = f"DECLARE\n{declarations}\n" if declarations.strip() else ""
        return (
            f"\nCREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"{declare}BEGIN\n{body}\nEND\n$$\n"
        )


@dataclass(frozen=True)
class RowTrigger:
    """`CREATE TRIGGER name <fires> ON table FOR EACH ROW [WHEN (when)] EXECUTE FUNCTION function()`;
    `fires` is the timing and events, e.g. "AFTER INSERT OR UPDATE OF bin_id"."""

    table: str
    name: str
    fires: str
    function: TriggerFunction
    when: str = ""

    @property
    def sql(self) -> str:
        when = f"\nWHEN ({self.when})" if self.when else ""
        return (
            f"\nCREATE TRIGGER {self.name}\n{self.fires} ON {self.table}\n"
            f"FOR EACH ROW{when}\nEXECUTE FUNCTION {self.function.name}()\n"
        )
