// Date.prototype.toISOString's text, computed by arithmetic. V8 resolves the local time zone inside
// toISOString, toJSON and toUTCString (ToDateString asks ICU for the zone's display name, though the output
// is UTC), which loads ICU's time-zone tables: about 1.1 MB of the node binary's read-only data stays
// mapped in a long-running process for nothing (bench/notes/collector-memory.md, session 9). The collector
// formats every timestamp here instead; Date.parse, getTime and getUTC* do not touch ICU.

const MS_PER_DAY = 86_400_000;
/** ECMAScript's time value range (TimeClip): +-100 000 000 days around the epoch. */
const MAX_TIME_MS = 8.64e15;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * `new Date(ms).toISOString()` without going through Date: YYYY-MM-DDTHH:mm:ss.sssZ, years outside
 * 0000-9999 as +/-YYYYYY. A fractional ms is truncated toward zero and a value outside the time value range
 * (or NaN) throws a RangeError, as toISOString does.
 */
export function isoUtc(ms: number): string {
  if (!(Math.abs(ms) <= MAX_TIME_MS)) throw new RangeError("Invalid time value");
  const t = Math.trunc(ms) + 0;
  const days = Math.floor(t / MS_PER_DAY);
  const msOfDay = t - days * MS_PER_DAY;
  // Civil date from days since 1970-01-01 in the proleptic Gregorian calendar, counted from 0000-03-01 in
  // 400-year eras so that the leap day ends each year (H. Hinnant's days_from_civil, inverted).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const yearText =
    year >= 0 && year <= 9999 ? pad(year, 4) : `${year < 0 ? "-" : "+"}${pad(Math.abs(year), 6)}`;
  const hh = Math.floor(msOfDay / 3_600_000);
  const mm = Math.floor(msOfDay / 60_000) % 60;
  const ss = Math.floor(msOfDay / 1000) % 60;
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(msOfDay % 1000, 3)}Z`;
}
