// What the unpickler builds: plain data, never code. Python containers map to JS ones (dict → Map so that
// any key, `__proto__` included, is just data); instances of allow-listed classes become PyObjects.

/** A Python tuple: an array marked as such, since a few reconstructors tell tuples from lists. */
export class PyTuple extends Array<unknown> {}

export function tuple(items: readonly unknown[]): PyTuple {
  const t = new PyTuple();
  for (const item of items) t.push(item);
  return t;
}

export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}

export class PySet {
  constructor(readonly items: unknown[], readonly frozen: boolean) {}
}

/** An instance of an allow-listed class: its qualified name, constructor arguments and state. */
export class PyObject {
  /** Set by BUILD: usually the __dict__ of the instance (a Map of attribute → value). */
  state: unknown = undefined;
  /** Items added by SETITEM(S) (an OrderedDict, a dict subclass). */
  readonly items = new Map<unknown, unknown>();

  constructor(readonly className: string, readonly args: readonly unknown[] = []) {}

  /** An attribute from the instance's __dict__ state, or undefined. */
  get(name: string): unknown {
    if (this.state instanceof Map) return this.state.get(name);
    // BUILD with (state, slotstate): attributes may live in either dict.
    if (Array.isArray(this.state)) {
      for (const part of this.state) if (part instanceof Map && part.has(name)) return part.get(name);
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}
