import { describe, expect, it } from 'vitest';
import { TemplateError, renderGoTemplate } from './go-template.ts';

const data = { user: 'app', pass: 'p@ss', json: '{"host":"db","port":5432}', enc: 'aGVsbG8=' };

describe('renderGoTemplate (ESO v2 engine subset)', () => {
  it('replaces field refs and keeps the text around them', () => {
    expect(renderGoTemplate('postgres://{{ .user }}:{{.pass}}@db:5432/x', data)).toBe('postgres://app:p@ss@db:5432/x');
  });

  it('runs pipelines left to right, the piped value last', () => {
    expect(renderGoTemplate('{{ .user | upper | b64enc }}', data)).toBe(Buffer.from('APP').toString('base64'));
    expect(renderGoTemplate('{{ .enc | b64dec }}', data)).toBe('hello');
    expect(renderGoTemplate('{{ .user | replace "a" "A" }}', data)).toBe('App');
    expect(renderGoTemplate('{{ .pass | quote }}', data)).toBe('"p@ss"');
  });

  it('calls functions with arguments and parenthesised pipelines', () => {
    expect(renderGoTemplate('{{ printf "%s-%s" .user (.pass | lower) }}', data)).toBe('app-p@ss');
    expect(renderGoTemplate('{{ index . "user" }}', data)).toBe('app');
    // Field access on a computed map is not modelled: refused, not rendered wrong (use get).
    expect(() => renderGoTemplate('{{ (.json | fromJson).host }}', data)).toThrow(TemplateError);
  });

  it('reads JSON properties through fromJson and get', () => {
    expect(renderGoTemplate('{{ get (.json | fromJson) "host" }}:{{ get (fromJson .json) "port" }}', data)).toBe('db:5432');
    expect(renderGoTemplate('{{ .json | fromJson | toJson }}', data)).toBe('{"host":"db","port":5432}');
  });

  it('honours raw strings (the platform escapes user braces as {{`{{`}}) and trim markers', () => {
    expect(renderGoTemplate('a {{`{{`}}x{{`}}`}} b', data)).toBe('a {{x}} b');
    expect(renderGoTemplate('a   {{- .user -}}   b', data)).toBe('aappb');
    expect(renderGoTemplate('x{{/* note */}}y', data)).toBe('xy');
  });

  it('refuses what it does not model, and what Go refuses, instead of rendering something wrong', () => {
    expect(() => renderGoTemplate('{{ if .user }}x{{ end }}', data)).toThrow(TemplateError);
    expect(() => renderGoTemplate('{{ range . }}x{{ end }}', data)).toThrow(/range/);
    expect(() => renderGoTemplate('{{ $x := .user }}', data)).toThrow(/variables/);
    expect(() => renderGoTemplate('{{ .user | sha256sum }}', data)).toThrow('function "sha256sum" not defined');
    expect(() => renderGoTemplate('{{ .missing }}', data)).toThrow('map has no entry for key "missing"');
    expect(() => renderGoTemplate('{{ .user ', data)).toThrow(/unclosed/);
    expect(() => renderGoTemplate('{{ . }}', data)).toThrow(/map or list/);
  });
});
