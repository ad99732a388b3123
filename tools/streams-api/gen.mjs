// Generates docs/streams-api.md, the API reference of wharf/streams, from its types: every name
// packages/streams/src/index.ts exports, with its doc comment and the signatures of its public
// members as the TypeScript checker prints them, so that the reference cannot drift from the
// code. It uses the compiler API of TypeScript 6, pinned in this directory's own package.json
// and lock (TypeScript 7, which builds the repository, has no JavaScript API, and typedoc does not
// run on it yet; a second TypeScript among the root's devDependencies would take over its `tsc`
// command). JavaScript, not TypeScript: the root build has no types for TypeScript 6.
//
//   npm run docs:streams-api          # writes docs/streams-api.md
//   node tools/streams-api/gen.mjs --check   # exits 1 when the committed file is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const entry = join(root, 'packages', 'streams', 'src', 'index.ts');
const out = join(root, 'docs', 'streams-api.md');
const packageDir = join(root, 'packages', 'streams');
const program = ts.createProgram([entry], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(entry);
if (!source)
    throw new Error(`cannot read ${entry}`);
const moduleSymbol = checker.getSymbolAtLocation(source);
if (!moduleSymbol)
    throw new Error('index.ts is not a module');
const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope | ts.TypeFormatFlags.WriteArrowStyleSignature;
function doc(sym) {
    const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
    const tags = sym
        .getJsDocTags(checker)
        .filter((t) => t.name !== 'internal')
        .map((t) => `@${t.name} ${ts.displayPartsToString(t.text ?? [])}`.trim());
    return [text, ...tags].filter(Boolean).join('\n');
}
function isPublic(decl) {
    const mods = ts.canHaveModifiers(decl) ? (ts.getModifiers(decl) ?? []) : [];
    if (mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword))
        return false;
    const name = ts.getNameOfDeclaration(decl);
    return !(name && ts.isPrivateIdentifier(name));
}
function location(decl) {
    return relative(root, decl.getSourceFile().fileName);
}
/** The members of a type (instance side or static side) as lines of signatures with their docs. */
function members(type, at, skip) {
    const lines = [];
    for (const p of checker.getPropertiesOfType(type)) {
        if (skip.has(p.name) || p.name.startsWith('__'))
            continue;
        const decls = p.getDeclarations() ?? [];
        if (decls.length > 0 && !decls.every(isPublic))
            continue;
        // Members inherited from outside the package (EventEmitter's) belong to Node's reference.
        if (decls.length > 0 && decls.every((x) => !x.getSourceFile().fileName.startsWith(packageDir)))
            continue;
        const d = doc(p);
        const dl = d ? d.split('\n') : [];
        const comment = dl.length === 1 ? [`  /** ${dl[0]} */`] : dl.length > 1 ? ['  /**', ...dl.map((l) => `   * ${l}`.trimEnd()), '   */'] : [];
        const t = checker.getTypeOfSymbolAtLocation(p, at);
        const isMethod = decls.some((x) => ts.isMethodDeclaration(x) || ts.isMethodSignature(x));
        const sigs = isMethod ? t.getCallSignatures() : [];
        if (sigs.length > 0) {
            for (const s of sigs)
                lines.push(...comment, `  ${p.name}${checker.signatureToString(s, at, FLAGS & ~ts.TypeFormatFlags.WriteArrowStyleSignature)};`);
        }
        else {
            const readonly = decls.some((x) => ts.getCombinedModifierFlags(x) & ts.ModifierFlags.Readonly) ? 'readonly ' : '';
            const optional = p.flags & ts.SymbolFlags.Optional ? '?' : '';
            const isGetter = decls.some((x) => ts.isGetAccessorDeclaration(x)) && !decls.some((x) => ts.isSetAccessorDeclaration(x));
            lines.push(...comment, `  ${isGetter ? 'get ' : readonly}${p.name}${optional}: ${checker.typeToString(t, at, FLAGS)};`);
        }
    }
    return lines;
}
function section(name, sym) {
    const decl = (sym.getDeclarations() ?? [])[0];
    if (!decl)
        return '';
    const parts = [`### ${name}`, '', `<sub>${location(decl)}</sub>`, ''];
    const d = doc(sym);
    if (d)
        parts.push(d, '');
    const code = [];
    if (sym.flags & ts.SymbolFlags.Class) {
        const staticType = checker.getTypeOfSymbolAtLocation(sym, decl);
        const instance = checker.getDeclaredTypeOfSymbol(sym);
        const heritage = ts.isClassDeclaration(decl) && decl.heritageClauses ? ` ${decl.heritageClauses.map((h) => h.getText()).join(' ')}` : '';
        const tparams = ts.isClassDeclaration(decl) && decl.typeParameters ? `<${decl.typeParameters.map((t) => t.getText()).join(', ')}>` : '';
        code.push(`class ${name}${tparams}${heritage} {`);
        const ctorDecls = ts.isClassDeclaration(decl) ? decl.members.filter(ts.isConstructorDeclaration) : [];
        if (ctorDecls.length === 0 || ctorDecls.some(isPublic)) {
            for (const s of staticType.getConstructSignatures()) {
                if (s.declaration && !isPublic(s.declaration))
                    continue;
                code.push(`  constructor(${s.parameters.map((p) => `${p.name}${p.flags & ts.SymbolFlags.Optional ? '?' : ''}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(p, decl), decl, FLAGS)}`).join(', ')});`);
            }
        }
        code.push(...members(staticType, decl, new Set(['prototype'])).map((l) => l.replace(/^ {2}(?![/ ])/, '  static ')));
        code.push(...members(instance, decl, new Set()));
        code.push('}');
    }
    else if (sym.flags & ts.SymbolFlags.Interface) {
        const tparams = ts.isInterfaceDeclaration(decl) && decl.typeParameters ? `<${decl.typeParameters.map((t) => t.getText()).join(', ')}>` : '';
        const heritage = ts.isInterfaceDeclaration(decl) && decl.heritageClauses ? ` ${decl.heritageClauses.map((h) => h.getText()).join(' ')}` : '';
        code.push(`interface ${name}${tparams}${heritage} {`, ...members(checker.getDeclaredTypeOfSymbol(sym), decl, new Set()), '}');
    }
    else if (sym.flags & ts.SymbolFlags.TypeAlias && ts.isTypeAliasDeclaration(decl)) {
        code.push(decl.getText().replace(/^export\s+/, ''));
    }
    else if (sym.flags & ts.SymbolFlags.Function) {
        for (const s of checker.getTypeOfSymbolAtLocation(sym, decl).getCallSignatures())
            code.push(`function ${name}${checker.signatureToString(s, decl, FLAGS & ~ts.TypeFormatFlags.WriteArrowStyleSignature)};`);
    }
    else if (sym.flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.ValueModule | ts.SymbolFlags.Enum)) {
        const t = checker.getTypeOfSymbolAtLocation(sym, decl);
        if (t.getCallSignatures().length > 0 && checker.getPropertiesOfType(t).length === 0) {
            for (const s of t.getCallSignatures())
                code.push(`const ${name}: ${checker.signatureToString(s, decl, FLAGS)};`);
        }
        else {
            code.push(`const ${name}: {`, ...members(t, decl, new Set()), '};');
        }
    }
    if (code.length)
        parts.push('```ts', ...code, '```', '');
    return parts.join('\n');
}
const KIND_ORDER = [
    ['Classes', ts.SymbolFlags.Class],
    ['Values and functions', ts.SymbolFlags.Function | ts.SymbolFlags.Variable | ts.SymbolFlags.ValueModule | ts.SymbolFlags.Enum],
    ['Interfaces', ts.SymbolFlags.Interface],
    ['Types', ts.SymbolFlags.TypeAlias],
];
const exported = checker
    .getExportsOfModule(moduleSymbol)
    .map((s) => ({ name: s.name, sym: s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s }))
    .sort((a, b) => a.name.localeCompare(b.name));
const seen = new Set();
const body = [];
const index = [];
for (const [title, flags] of KIND_ORDER) {
    const group = exported.filter((e) => !seen.has(e.name) && e.sym.flags & flags);
    if (group.length === 0)
        continue;
    body.push(`## ${title}`, '');
    index.push(`- ${title}: ${group.map((e) => `[${e.name}](#${e.name.toLowerCase()})`).join(', ')}`);
    for (const e of group) {
        seen.add(e.name);
        body.push(section(e.name, e.sym));
    }
}
const text = `# wharf/streams API reference

Generated from the types by \`npm run docs:streams-api\` (tools/streams-api/gen.mjs: every export of
packages/streams/src/index.ts, its doc comment and its public signatures as the TypeScript checker
prints them); do not edit by hand. The guide is [streams.md](streams.md).

${index.join('\n')}

${body.join('\n').trimEnd()}
`;
if (process.argv.includes('--check')) {
    const current = readFileSync(out, 'utf8');
    if (current !== text) {
        console.error(`${relative(root, out)} is stale: run npm run docs:streams-api`);
        process.exit(1);
    }
}
else {
    writeFileSync(out, text);
    console.log(`wrote ${relative(root, out)} (${exported.length} exports)`);
}
