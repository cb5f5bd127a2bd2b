/** A list answer as the service sends it. */
export interface ListBody<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of a list. `items` is this page; `getNextPage()` fetches the next one (null after the last);
 * iterating a page with `for await` yields its items and those of every page after it.
 */
export class Page<T> implements AsyncIterable<T> {
  /** The items of this page. */
  readonly items: T[];
  /** The cursor of the next page, null when this is the last one. */
  readonly nextCursor: string | null;

  constructor(
    body: ListBody<T>,
    private readonly fetchPage: (cursor: string) => Promise<Page<T>>,
  ) {
    this.items = body.items;
    this.nextCursor = body.nextCursor;
  }

  /** Whether another page follows this one. */
  hasNextPage(): boolean {
    return this.nextCursor !== null;
  }

  /** The next page, or null when this is the last one. */
  getNextPage(): Promise<Page<T> | null> {
    return this.nextCursor === null ? Promise.resolve(null) : this.fetchPage(this.nextCursor);
  }

  /** Every item of this page and the pages after it, fetching each page when the previous one is used up. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* this.items;
    for (let page = await this.getNextPage(); page; page = await page.getNextPage()) yield* page.items;
  }
}

/**
 * What a list call returns: await it for the first page, or iterate it with `for await` for every item of
 * every page. Nothing is fetched until it is awaited or iterated, and the first page is fetched once.
 */
export class PagePromise<T> implements Promise<Page<T>>, AsyncIterable<T> {
  /** Names the class in `Object.prototype.toString`, as a Promise does. */
  readonly [Symbol.toStringTag] = 'PagePromise';
  private first: Promise<Page<T>> | undefined;

  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {}

  private load(): Promise<Page<T>> {
    return (this.first ??= this.fetchPage(undefined));
  }

  /** Fetches the first page. */
  then<R1 = Page<T>, R2 = never>(
    onFulfilled?: ((page: Page<T>) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.load().then(onFulfilled, onRejected);
  }

  /** Fetches the first page, handling a failure. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<T> | R> {
    return this.load().catch(onRejected);
  }

  /** Fetches the first page, then runs `onFinally` whether it came or failed. */
  finally(onFinally?: (() => void) | null): Promise<Page<T>> {
    return this.load().finally(onFinally);
  }

  /** Every item of every page, in order. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.load();
  }
}

/** Builds the PagePromise of a list call from a function that fetches one page's body by cursor. */
export function paginate<T>(fetchBody: (cursor: string | undefined) => Promise<ListBody<T>>): PagePromise<T> {
  const fetchPage = async (cursor: string | undefined): Promise<Page<T>> => new Page(await fetchBody(cursor), (next) => fetchPage(next));
  return new PagePromise(fetchPage);
}
