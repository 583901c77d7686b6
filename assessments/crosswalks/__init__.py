"""Crosswalks between framework versions: data files that map one version's criteria to another's.

    models        Crosswalk, CrosswalkPair, CrosswalkUnmapped, CarryOver
    validation    checking a parsed crosswalk file against the loaded frameworks
    loader        load_crosswalk_files(paths): every file checked, then one transaction
    export        export_crosswalk(crosswalk): YAML that loads back identical
    services      carry_plan(...) for a next cycle; equivalent_criteria(...) for other features
    guide         the four-country guide
    presenters    the carry-over report

Kept light on purpose: assessments.models imports .models while it is itself being imported.
"""
