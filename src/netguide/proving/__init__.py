"""The tools that prove the rule base, none on the evaluate() path: scenarios (the suite), reference (a plain
interpreter of the raw rule files) and differential (the engine against it), analysis (the fact space: gaps,
contradictions, invariants), mutation (rule mutants against the scenarios), coverage (the review inventory), fuzzing
(hostile inputs and interrupts), records (realistic partially documented records), samples and strategies (the
generators they share). A new proving tool is a module here with add_arguments() and run(), listed in cli.TOOL_COMMANDS."""
