/** The offered load of a run: three equal steps of 1/3, 2/3 and 1 x the rate over `seconds`. */

/** The offered rate at second t of a run of `seconds`: steps of 1/3, 2/3 and 1 x rate. */
export function offeredAt(rate: number, seconds: number, t: number): number {
  if (t >= seconds) return 0;
  const step = Math.min(2, Math.floor((3 * t) / seconds));
  return Math.round((rate * (step + 1)) / 3);
}

/** Messages due by time t (s): the integral of offeredAt from 0 to t. */
export function dueBy(rate: number, seconds: number, t: number): number {
  const third = seconds / 3;
  let due = 0;
  for (let s = 0; s < 3; s++) due += ((rate * (s + 1)) / 3) * Math.max(0, Math.min(third, t - s * third));
  return Math.floor(due + 1e-6);
}
