"""The only folder that imports durable_rules: the compiler (rule conditions to the engine's JSON, with its limits
checked at compile time), the adapter (one persistent session per engine, assert / drain / retract per patient, safe
under interrupts and fork) and the runtime (a compiled rulebook on an engine, built once per process on first use).
The C engine is imported only when a runtime is built."""
