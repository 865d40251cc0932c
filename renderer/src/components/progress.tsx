import { useEffect, useRef } from 'react';

/**
 * A progress bar from counts. The width is set through the CSSOM, which the CSP allows, rather than an
 * inline style attribute, which it does not.
 */
export function Progress(props: { current: number; total: number; label: string; state?: string }) {
  const fill = useRef<HTMLDivElement>(null);
  const pct = props.total > 0 ? Math.min(100, (props.current / props.total) * 100) : 0;
  useEffect(() => {
    if (fill.current) fill.current.style.width = `${pct}%`;
  }, [pct]);
  return (
    <div
      className={`progress ${props.state ?? ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.total}
      aria-valuenow={props.current}
      aria-valuetext={`${props.current} of ${props.total}`}
    >
      <div className="progress-fill" ref={fill} />
    </div>
  );
}
