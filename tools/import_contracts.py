"""An import-linter contract for ARCHITECTURE.md's dependency rule.

An app may import `shop`, `events` and another app's `interface` module, nothing else of
another app. Checked on direct imports, so a new module in an app is covered the day it is
written, without editing the contract.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class AppBoundariesContract(Contract):
    type_name = "app_boundaries"

    apps = fields.ListField(subfield=fields.StringField())
    open_packages = fields.ListField(subfield=fields.StringField(), required=False)
    public_module = fields.StringField(required=False, default="interface")

    def check(self, graph, verbose: bool) -> ContractCheck:
        apps = set(self.apps)  # type: ignore[arg-type]
        open_packages = set(self.open_packages or [])  # type: ignore[arg-type]
        public = self.public_module
        violations = []
        for importer in sorted(graph.modules):
            source_app = importer.split(".")[0]
            if source_app not in apps:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                parts = imported.split(".")
                target_app = parts[0]
                if target_app == source_app or target_app not in apps or target_app in open_packages:
                    continue
                if len(parts) >= 2 and parts[1] == public:
                    continue
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    violations.append((importer, imported, detail["line_number"], detail["line_contents"]))
                if not graph.get_import_details(importer=importer, imported=imported):
                    violations.append((importer, imported, 0, ""))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, line, contents in check.metadata["violations"]:
            output.print_error(
                f"{importer} imports {imported} (line {line}: {contents.strip()}): "
                f"use {imported.split('.')[0]}.{self.public_module} instead"
            )
            output.new_line()
