/** The run's log, tailed while it runs; it keeps to the bottom unless the admin has scrolled up to read. */
import { useEffect, useRef } from 'preact/hooks';
import { ErrorNote } from '../../components/status';
import { useLogTail } from './use-log-tail';

export function RunLog({ id, live }: { id: string; live: boolean }) {
  const { lines, error } = useLogTail(id, live);
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const element = box.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [lines]);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log</h2>
      <ErrorNote error={error} />
      {lines.length === 0 ? (
        <p class="muted">No log line yet.</p>
      ) : (
        <div
          ref={box}
          class="training-log"
          role="log"
          aria-labelledby="log-title"
          tabIndex={0}
          onScroll={(event) => {
            const element = event.currentTarget;
            pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
          }}
        >
          <ol>
            {lines.map((line) => (
              <li key={line.seq}>
                <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time> <span class={`training-level training-level-${line.level}`}>{line.level}</span> {line.message}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
