/**
 * The drawing pad: white strokes on black with a mouse, finger or pen (pointer events), and a
 * Clear button. After each stroke the drawing goes out as the model's 784 pixels.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { JSX } from 'preact';
import { grayOf, mnistPixels } from '../preprocess';

/** The canvas's own pixels, whatever its size on screen: 10 per MNIST pixel. */
const SIDE = 280;
/** Thick enough that a digit drawn across the pad is about 2 px wide in its 20x20 box, as in MNIST. */
const PEN = 22;

type Point = { x: number; y: number };

export function DrawPad({ onDrawn, onClear }: { onDrawn: (pixels: Float32Array) => void; onClear: () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<{ pointer: number; last: Point } | null>(null);

  const context = (): CanvasRenderingContext2D | null => canvas.current?.getContext('2d', { willReadFrequently: true }) ?? null;
  const wipe = (): void => {
    const ctx = context();
    if (!ctx) return;
    ctx.fillStyle = '#000000';
    ctx.fillRect(0, 0, SIDE, SIDE);
  };
  useEffect(wipe, []);

  const pointOf = (event: PointerEvent, target: HTMLCanvasElement): Point => {
    const rect = target.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) * SIDE) / rect.width, y: ((event.clientY - rect.top) * SIDE) / rect.height };
  };
  const line = (from: Point, to: Point): void => {
    const ctx = context();
    if (!ctx) return;
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = PEN;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };

  const down = (event: JSX.TargetedPointerEvent<HTMLCanvasElement>): void => {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    const at = pointOf(event, event.currentTarget);
    stroke.current = { pointer: event.pointerId, last: at };
    // A tap is a dot.
    line(at, at);
  };
  const move = (event: JSX.TargetedPointerEvent<HTMLCanvasElement>): void => {
    const current = stroke.current;
    if (!current || current.pointer !== event.pointerId) return;
    const target = event.currentTarget;
    // Every position the pointer passed since the last frame, for smooth fast strokes.
    const moves = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const each of moves.length > 0 ? moves : [event]) {
      const at = pointOf(each, target);
      line(current.last, at);
      current.last = at;
    }
  };
  const up = (event: JSX.TargetedPointerEvent<HTMLCanvasElement>): void => {
    if (!stroke.current || stroke.current.pointer !== event.pointerId) return;
    stroke.current = null;
    const ctx = context();
    if (!ctx) return;
    const pixels = mnistPixels(grayOf(ctx.getImageData(0, 0, SIDE, SIDE).data, SIDE, SIDE));
    if (pixels) onDrawn(pixels);
  };
  const clear = (): void => {
    stroke.current = null;
    wipe();
    onClear();
  };

  return (
    <div class="pad">
      <canvas
        ref={canvas}
        width={SIDE}
        height={SIDE}
        data-testid="canvas"
        role="img"
        aria-label="Drawing pad: draw one digit, 0 to 9"
        aria-describedby="pad-help"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
      />
      <p id="pad-help" class="hint">
        Draw with a mouse, finger or pen. The model in this browser answers after each stroke.
      </p>
      <button type="button" onClick={clear}>
        Clear
      </button>
    </div>
  );
}
