import { join } from 'node:path';
import {
  DatasetSchemaError,
  qaRecordSchema,
  qaRecordsToTable,
  readQaRecords,
  tableToQaRecords,
  validateQaSchema,
  writeParquet,
} from '@tonekit/dataset';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeQaRecords } from './support/make-qa-records.js';
import { temporaryDirectory } from './support/temporary-directory.js';

describe('qaRecordSchema', () => {
  it('has the DESIGN §4 columns, with the embedding only when dimensions are given', () => {
    const describe = (schema: arrow.Schema) =>
      schema.fields.map((field) => `${field.name}: ${String(field.type)}${field.nullable ? '?' : ''}`);
    expect(describe(qaRecordSchema(768))).toEqual([
      'id: Utf8',
      'source_id: Utf8',
      'source_title: Utf8?',
      'source_text: Utf8',
      'question: Utf8',
      'answer: Utf8',
      'conversational_answer: Utf8',
      'flesch: Float64',
      'attempts: Int32',
      'question_embedding: FixedSizeList[768]<Float32>',
      'model: Utf8',
      'created_at: Utf8',
    ]);
    expect(describe(qaRecordSchema()).map((column) => column.split(':')[0])).not.toContain(
      'question_embedding',
    );
    expect(qaRecordSchema().metadata.get('tonekit.record')).toBe('qa');
  });
});

describe('QA records ⇄ Arrow ⇄ Parquet', () => {
  it('round-trips every field, embeddings included', async () => {
    const dir = await temporaryDirectory();
    const records = makeQaRecords(500, { dimensions: 16 });
    const table = qaRecordsToTable(records);
    expect(table.numRows).toBe(500);
    expect(String(table.schema.fields.find((field) => field.name === 'question_embedding')?.type)).toBe(
      'FixedSizeList[16]<Float32>',
    );
    const path = join(dir, 'qa.parquet');
    await writeParquet(path, table, { rowGroupSize: 128 });
    const back: unknown[] = [];
    for await (const record of readQaRecords(path, { batchSize: 100 })) back.push(record);
    expect(back).toEqual(records.map((record) => ({ ...record, source_title: record.source_title ?? null })));
    expect(tableToQaRecords(table)[3]?.question_embedding).toEqual(records[3]?.question_embedding);
  });

  it('leaves the embedding column out when no record has one', () => {
    const table = qaRecordsToTable(makeQaRecords(3, { dimensions: 0 }));
    expect(table.schema.fields.map((field) => field.name)).not.toContain('question_embedding');
    expect(tableToQaRecords(table)[0]).not.toHaveProperty('question_embedding');
  });

  it('names the record and field of a bad value', () => {
    const records = makeQaRecords(3);
    expect(() => qaRecordsToTable([records[0], { ...records[1], question: 42 }] as never)).toThrow(
      'Invalid argument `records[1].question`: expected a string, got number.',
    );
    expect(() => qaRecordsToTable([{ ...records[0], attempts: 1.5 }] as never)).toThrow(
      /records\[0\]\.attempts/,
    );
    expect(() =>
      qaRecordsToTable([records[0], { ...records[1], question_embedding: new Float32Array(3) }] as never),
    ).toThrow('Invalid argument `embeddings[1]`: has 3 dimensions, expected 8.');
    // All or nothing: pyarrow cannot read null fixed-size lists (apache/arrow#35692).
    expect(() =>
      qaRecordsToTable([records[0], { ...records[1], question_embedding: null }] as never),
    ).toThrow(/records\[1\]\.question_embedding`: is missing while other records have one/);
  });

  it('reads what other tools write: list<float> embeddings and large strings', () => {
    const records = makeQaRecords(2, { dimensions: 0 });
    const base = qaRecordsToTable(records);
    const columns = Object.fromEntries(
      base.schema.fields.map((field) => [field.name, base.getChild(field.name) as arrow.Vector]),
    );
    const table = new arrow.Table({
      ...columns,
      question: arrow.vectorFromArray(['q0', 'q1'], new arrow.LargeUtf8()),
      question_embedding: arrow.vectorFromArray(
        [[0.5, 1.5], null],
        new arrow.List(new arrow.Field('item', new arrow.Float64(), true)),
      ),
    });
    const back = tableToQaRecords(table);
    expect(back[0]?.question).toBe('q0');
    expect(back[0]?.question_embedding).toEqual(Float32Array.of(0.5, 1.5));
    expect(back[1]?.question_embedding).toBeNull();
  });
});

describe('validateQaSchema', () => {
  it('lists missing and mistyped columns with the expected and found schemas', () => {
    const schema = new arrow.Schema([
      new arrow.Field('id', new arrow.Utf8()),
      new arrow.Field('question', new arrow.Int32()),
      new arrow.Field('extra', new arrow.Utf8()),
    ]);
    let error: unknown;
    try {
      validateQaSchema(schema, 'data/train.parquet');
    } catch (caught) {
      error = caught;
    }
    expect(DatasetSchemaError.isInstance(error)).toBe(true);
    const schemaError = error as DatasetSchemaError;
    expect(schemaError.file).toBe('data/train.parquet');
    expect(schemaError.problems).toEqual([
      'missing column source_id',
      'missing column source_text',
      'column question is Int32',
      'missing column answer',
      'missing column conversational_answer',
      'missing column flesch',
      'missing column attempts',
      'missing column model',
      'missing column created_at',
    ]);
    expect(schemaError.found).toEqual(['id: Utf8', 'question: Int32', 'extra: Utf8']);
    expect(schemaError.message).toMatch(
      /^data\/train\.parquet does not have the expected columns: missing column source_id/,
    );
    expect(() => validateQaSchema(qaRecordSchema(4))).not.toThrow();
  });
});
