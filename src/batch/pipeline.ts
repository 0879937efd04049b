// Runs blocks through an asynchronous stage with a few in flight at once and delivers the results in input order,
// each as soon as it and those before it are done. The source is read only while fewer than `inFlight` blocks are
// pending and no delivery is under way, so a slow consumer slows the reading down (back-pressure) and memory stays
// bounded by a few blocks.
export interface PipelineOptions<I, O> {
  source: AsyncIterable<I>;
  work: (item: I) => Promise<O>;
  /** Called in input order; the next result is delivered only once this resolves. */
  deliver: (result: O) => Promise<void>;
  inFlight: number;
}

interface Pending<O> {
  promise: Promise<O>;
  done: boolean;
}

export async function orderedPipeline<I, O>({ source, work, deliver, inFlight }: PipelineOptions<I, O>): Promise<void> {
  const pending: Pending<O>[] = [];
  const next = async () => deliver(await (pending.shift() as Pending<O>).promise);
  for await (const item of source) {
    const entry: Pending<O> = { promise: work(item), done: false };
    // Awaited later, in order; meanwhile a rejection must not count as unhandled.
    entry.promise.then(() => (entry.done = true), () => (entry.done = true));
    pending.push(entry);
    while (pending.length >= inFlight || pending[0]?.done) await next();
  }
  while (pending.length) await next();
}
