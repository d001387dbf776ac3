/**
 * Output of stages that run in parallel, shown in Dockerfile order: the earliest
 * unfinished stage streams live; later stages buffer until every stage before them is done.
 */
export class OrderedOutput {
  private readonly buffers: string[][];
  private readonly done: boolean[];
  private head = 0;

  constructor(
    count: number,
    private readonly sink: (text: string) => void,
  ) {
    this.buffers = Array.from({ length: count }, () => []);
    this.done = new Array<boolean>(count).fill(false);
  }

  writer(slot: number): (text: string) => void {
    return (text) => {
      if (slot === this.head) this.sink(text);
      else this.buffers[slot].push(text);
    };
  }

  finish(slot: number): void {
    this.done[slot] = true;
    while (this.head < this.done.length && this.done[this.head]) {
      this.head++;
      if (this.head < this.buffers.length) {
        for (const t of this.buffers[this.head]) this.sink(t);
        this.buffers[this.head] = [];
      }
    }
  }

  /** Everything still buffered (after a failure), in order. */
  flushAll(): void {
    for (let i = this.head + 1; i < this.buffers.length; i++) {
      for (const t of this.buffers[i]) this.sink(t);
      this.buffers[i] = [];
    }
  }
}
