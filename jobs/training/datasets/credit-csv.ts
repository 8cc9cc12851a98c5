/**
 * Loads a real UCI "Default of Credit Card Clients" CSV (the Kaggle `UCI_Credit_Card.csv` seed 003
 * reads, or a CSV export of the original .xls): a header naming LIMIT_BAL, SEX, EDUCATION, MARRIAGE,
 * AGE, PAY_0, PAY_2..PAY_6, BILL_AMT1..6, PAY_AMT1..6 and the default flag (`default.payment.next.month`,
 * `default payment next month` or `default`), an optional ID, in any column order. The .xls export's
 * extra first row of X1..X23 / Y names is skipped. Anything else (a missing column, a value that is
 * not a finite number, a flag other than 0/1, no rows) is TRAINING_DATA_INVALID naming the file,
 * the line and the column.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage, PlatformError } from '../../../schema/errors.ts';
import { UCI_CREDIT_COLUMNS, type UciCreditRecord } from './credit-uci.ts';

const LABEL_NAMES = ['default.payment.next.month', 'default payment next month', 'default_payment_next_month', 'default'];

/** One CSV line into fields (RFC 4180 quotes, no embedded newlines). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

function invalid(file: string, reason: string, details: Record<string, unknown> = {}): PlatformError {
  return new PlatformError('TRAINING_DATA_INVALID', `credit CSV ${file}: ${reason}`, { file, reason, ...details });
}

/** Parses UCI credit CSV text (`file` names it in errors). */
export function parseUciCreditCsv(text: string, file = 'input'): UciCreditRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let at = 0;
  const next = (): string[] | undefined => {
    while (at < lines.length) {
      const line = lines[at++] ?? '';
      if (line.trim() !== '') return fields(line);
    }
    return undefined;
  };
  let header = next();
  if (header && header.includes('X1') && header.includes('Y')) header = next();
  if (!header) throw invalid(file, 'the file is empty');
  const upper = header.map((h) => h.toUpperCase());
  const missing = UCI_CREDIT_COLUMNS.filter((c) => !upper.includes(c));
  const labelAt = header.findIndex((h) => LABEL_NAMES.includes(h.toLowerCase()));
  if (missing.length > 0) throw invalid(file, `missing column(s) ${missing.join(', ')}`, { line: at, column: missing[0] });
  if (labelAt < 0) throw invalid(file, `missing the default flag column (one of ${LABEL_NAMES.join(' / ')})`, { line: at });
  const index = UCI_CREDIT_COLUMNS.map((c) => upper.indexOf(c));
  const records: UciCreditRecord[] = [];
  for (let row = next(); row; row = next()) {
    if (row.length !== header.length) throw invalid(file, `line ${at} has ${row.length} fields, the header ${header.length}`, { line: at });
    const values = index.map((j, k) => {
      const raw = row[j] ?? '';
      const v = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) throw invalid(file, `line ${at} column ${UCI_CREDIT_COLUMNS[k]} is "${raw}", expected a number`, { line: at, column: UCI_CREDIT_COLUMNS[k] });
      return v;
    });
    const flag = row[labelAt] ?? '';
    if (flag !== '0' && flag !== '1') throw invalid(file, `line ${at} default flag is "${flag}", expected 0 or 1`, { line: at, column: header[labelAt] });
    if ((values[0] ?? 0) <= 0) throw invalid(file, `line ${at} LIMIT_BAL must be > 0`, { line: at, column: 'LIMIT_BAL' });
    records.push({ values, defaulted: flag === '1' });
  }
  if (records.length === 0) throw invalid(file, 'no data rows');
  return records;
}

export async function loadUciCreditCsv(path: string): Promise<UciCreditRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PlatformError('TRAINING_DATA_INVALID', `credit CSV ${path} cannot be read: ${errorMessage(e)}`, { file: path, reason: errorMessage(e) }, { cause: e });
  }
  return parseUciCreditCsv(text, path);
}

/** The records as a UCI CSV (Kaggle layout: ID first, `default.payment.next.month` last). */
export function formatUciCreditCsv(records: readonly UciCreditRecord[]): string {
  const head = ['ID', ...UCI_CREDIT_COLUMNS, 'default.payment.next.month'].join(',');
  return `${[head, ...records.map((r, i) => [i + 1, ...r.values, r.defaulted ? 1 : 0].join(','))].join('\n')}\n`;
}
