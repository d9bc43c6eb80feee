/**
 * Keyset pages of a newest-first list (the audit trail, webhook notifications): the API gives a
 * page and the cursor of the next (older) one; the pages seen so far are a stack of cursors, so
 * Newer goes back exactly to the page it came from.
 */
export interface PageStack {
  /** cursors of the pages opened so far; undefined is the first page */
  cursors: (string | undefined)[];
}

export const FIRST_PAGE: PageStack = { cursors: [undefined] };
export const currentCursor = (stack: PageStack): string | undefined => stack.cursors[stack.cursors.length - 1];
export const pageNumber = (stack: PageStack): number => stack.cursors.length;
export const older = (stack: PageStack, next: string): PageStack => ({ cursors: [...stack.cursors, next] });
export const newer = (stack: PageStack): PageStack => ({ cursors: stack.cursors.length > 1 ? stack.cursors.slice(0, -1) : stack.cursors });

export function Pager({ label, stack, nextCursor, onChange }: { label: string; stack: PageStack; nextCursor: string | null | undefined; onChange: (next: PageStack) => void }) {
  const page = pageNumber(stack);
  return (
    // A div, not <nav>: the console's stylesheet styles every <nav> as its side menu.
    <div class="pager" role="navigation" aria-label={label}>
      <button type="button" disabled={page === 1} onClick={() => onChange(FIRST_PAGE)}>
        Newest
      </button>
      <button type="button" disabled={page === 1} onClick={() => onChange(newer(stack))}>
        Newer
      </button>
      <span>Page {page}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && onChange(older(stack, nextCursor))}>
        Older
      </button>
    </div>
  );
}
