/**
 * What a Lambda handler's code can do on AWS, read from the code itself
 * (`test/infra/iam-matches-code.test.ts` compares it with the synthesized roles). See README.md beside it.
 *
 * How:
 *
 * 1. **Modules**: esbuild bundles the handler with the options of the real
 *    bundle (`bundleOptions`); the project files among the metafile's inputs
 *    are the modules the Lambda ships. Their top-level code runs at import.
 * 2. **Call graph**: the TypeScript checker (`typescript/unstable/sync`, the
 *    TypeScript 7 API) resolves every identifier of those files to its
 *    declaration. Units are top-level functions, top-level `const`s, class
 *    methods, a class's construction (constructor + field initializers) and a
 *    module's top-level code; a unit reaches every unit it references (a call,
 *    or a function passed as a value). Starting from the module code and the
 *    exported `handler`, only the methods actually referenced are reached: a
 *    handler that builds a `ModelRegistry` but only calls `inService()` does
 *    not reach `movePointer()`. A call through an interface member reaches the
 *    members of that name of every project class the handler constructs, and
 *    a call of a class's method reaches its overrides in the subclasses it
 *    constructs.
 * 3. **AWS calls**: a reached reference to an `@aws-sdk` command class (or
 *    lib-storage's `Upload`) is an API call; its input object is evaluated to
 *    find the resource: `TableName`/`IndexName`/`Key`/`Item`, `Bucket`/`Key`,
 *    `QueueUrl`, `stateMachineArn`/`executionArn`. Values are followed through
 *    constants, templates, object literals, class fields set by constructor
 *    arguments, and function parameters (to every reached call site), down to
 *    configuration reads (`config().X`, `required('X')`) and string literals.
 *    What cannot be followed (a key read from a step's input at run time) is
 *    reported, unless the caller supplies a hint that says what it is and why.
 * 4. **Configuration**: every reached `config()` property read and
 *    `required('X')` call.
 *
 * Anything the analysis does not understand (an SDK API other than a command
 * class, a call the checker cannot resolve, a computed member call on a
 * project object) is reported rather than ignored. It does not look inside npm
 * packages: it lists those in the bundle, for the test to check each one is
 * known not to call AWS by itself.
 *
 * The TypeScript 7 API is `unstable` (pinned by package-lock.json): an upgrade
 * that changes it breaks this file loudly, never silently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { API, SymbolFlags, type Checker, type Symbol as Sym } from 'typescript/unstable/sync';
import { SyntaxKind } from 'typescript/unstable/ast';
import { bundleOptions, handlerEntry, PROJECT_ROOT } from '../../infra/functions/bundling.ts';

// The TypeScript 7 AST is used untyped here: the analysis reads a handful of
// node properties (`expression`, `arguments`, `name`, ...) of many node kinds.
// biome-ignore lint/suspicious/noExplicitAny: the TypeScript 7 AST is untyped here (see above).
type N = any;

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

/** Where something is in the code: `src/model-store/registry.ts:119`. */
export type Site = string;

/** A value a resource-naming expression can have. */
export type Value =
  | { readonly kind: 'literal'; readonly value: string }
  /** A string that starts with `value` (a template such as `models/${version}/...`). */
  | { readonly kind: 'prefix'; readonly value: string }
  /** The value of the configuration setting (environment variable) `name`, or a string built from it. */
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'object'; readonly node: N; readonly ctx: Ctx }
  | { readonly kind: 'unresolved'; readonly expression: string; readonly at: Site; readonly why: string };

export type AwsService = 'dynamodb' | 's3' | 'sqs' | 'states';

/** One AWS API call the handler's code can make. */
export interface AwsCall {
  /** The IAM actions the call needs (a multipart `Upload` needs two). */
  readonly actions: readonly string[];
  readonly service: AwsService;
  /** The SDK class: `GetCommand` (lib-dynamodb), `PutObjectCommand`, `Upload`, ... */
  readonly sdkClass: string;
  readonly site: Site;
  /** How the handler reaches it: handler -> ... -> the unit that constructs the command. */
  readonly via: readonly string[];
  /**
   * The values of the resource-naming inputs: `TableName`, `IndexName`,
   * `Bucket`, `Key`, `QueueUrl`, `stateMachineArn`, `executionArn`, and the
   * key attributes of a DynamoDB `Key`/`Item` as `Key.<attribute>`.
   */
  readonly inputs: Readonly<Record<string, readonly Value[]>>;
}

/** One read of a configuration setting. */
export interface ConfigRead {
  readonly name: string;
  /** Through `required('X')`: the code throws without it. */
  readonly required: boolean;
  readonly site: Site;
}

export interface Problem {
  readonly site: Site;
  readonly message: string;
}

export interface HandlerAccess {
  readonly handler: string;
  readonly calls: readonly AwsCall[];
  readonly configReads: readonly ConfigRead[];
  /** Project files in the bundle. */
  readonly modules: readonly string[];
  /** npm packages in the bundle (the analysis does not look inside them). */
  readonly packages: readonly string[];
  /** Units reached (`src/model-store/registry.ts ModelRegistry.list`), for the record. */
  readonly units: readonly string[];
  /** References to AWS SDK APIs the analysis does not model, and calls it could not resolve. */
  readonly problems: readonly Problem[];
}

/**
 * Says what a resource-naming expression the analysis cannot follow is.
 * `values` gets the expression's node and an evaluator for other expressions
 * in the same scope (e.g. the state machine ARN parameter an execution ARN
 * comes from).
 */
export interface ResourceHint {
  /** The file, relative to the project root. */
  readonly file: string;
  /** The expression as written (whitespace and a trailing `!` ignored). */
  readonly expression: string;
  readonly values: (
    node: N,
    evaluate: (expression: N) => Value[],
    evaluateInScope: (name: string) => Value[],
  ) => Value[];
  readonly reason: string;
}

// ---------------------------------------------------------------------------
// SDK model
// ---------------------------------------------------------------------------

/** IAM actions of the SDK command classes the code may construct (no entry: the test fails and names it). */
export const COMMAND_ACTIONS: Readonly<
  Record<string, { readonly service: AwsService; readonly actions: readonly string[] }>
> = {
  // @aws-sdk/lib-dynamodb (document client): the DynamoDB operation behind each.
  'lib-dynamodb:GetCommand': { service: 'dynamodb', actions: ['dynamodb:GetItem'] },
  'lib-dynamodb:PutCommand': { service: 'dynamodb', actions: ['dynamodb:PutItem'] },
  'lib-dynamodb:UpdateCommand': { service: 'dynamodb', actions: ['dynamodb:UpdateItem'] },
  'lib-dynamodb:DeleteCommand': { service: 'dynamodb', actions: ['dynamodb:DeleteItem'] },
  'lib-dynamodb:QueryCommand': { service: 'dynamodb', actions: ['dynamodb:Query'] },
  'lib-dynamodb:ScanCommand': { service: 'dynamodb', actions: ['dynamodb:Scan'] },
  'lib-dynamodb:BatchGetCommand': { service: 'dynamodb', actions: ['dynamodb:BatchGetItem'] },
  'lib-dynamodb:BatchWriteCommand': { service: 'dynamodb', actions: ['dynamodb:BatchWriteItem'] },
  'client-dynamodb:GetItemCommand': { service: 'dynamodb', actions: ['dynamodb:GetItem'] },
  'client-dynamodb:PutItemCommand': { service: 'dynamodb', actions: ['dynamodb:PutItem'] },
  'client-dynamodb:UpdateItemCommand': { service: 'dynamodb', actions: ['dynamodb:UpdateItem'] },
  'client-dynamodb:DeleteItemCommand': { service: 'dynamodb', actions: ['dynamodb:DeleteItem'] },
  'client-dynamodb:QueryCommand': { service: 'dynamodb', actions: ['dynamodb:Query'] },
  'client-dynamodb:ScanCommand': { service: 'dynamodb', actions: ['dynamodb:Scan'] },
  'client-dynamodb:DescribeTableCommand': { service: 'dynamodb', actions: ['dynamodb:DescribeTable'] },
  'client-dynamodb:CreateTableCommand': { service: 'dynamodb', actions: ['dynamodb:CreateTable'] },
  // S3: multipart uploads are s3:PutObject in IAM, except aborting one.
  'client-s3:GetObjectCommand': { service: 's3', actions: ['s3:GetObject'] },
  'client-s3:HeadObjectCommand': { service: 's3', actions: ['s3:GetObject'] },
  'client-s3:PutObjectCommand': { service: 's3', actions: ['s3:PutObject'] },
  'client-s3:DeleteObjectCommand': { service: 's3', actions: ['s3:DeleteObject'] },
  'client-s3:CreateMultipartUploadCommand': { service: 's3', actions: ['s3:PutObject'] },
  'client-s3:UploadPartCommand': { service: 's3', actions: ['s3:PutObject'] },
  'client-s3:CompleteMultipartUploadCommand': { service: 's3', actions: ['s3:PutObject'] },
  'client-s3:AbortMultipartUploadCommand': { service: 's3', actions: ['s3:AbortMultipartUpload'] },
  'client-s3:ListPartsCommand': { service: 's3', actions: ['s3:ListMultipartUploadParts'] },
  'client-s3:ListObjectsV2Command': { service: 's3', actions: ['s3:ListBucket'] },
  // lib-storage's Upload: PutObject for a body of one part; else Create/UploadPart/Complete
  // (s3:PutObject) and, when a part fails, AbortMultipartUpload (`leavePartsOnError` is false).
  // It never lists parts; PutObjectTagging only with `tags`, which the code never passes
  // (`UPLOAD_COMMANDS` below is checked against lib-storage's source by the test).
  'lib-storage:Upload': { service: 's3', actions: ['s3:PutObject', 's3:AbortMultipartUpload'] },
  'client-sqs:SendMessageCommand': { service: 'sqs', actions: ['sqs:SendMessage'] },
  'client-sqs:SendMessageBatchCommand': { service: 'sqs', actions: ['sqs:SendMessage'] },
  'client-sqs:ReceiveMessageCommand': { service: 'sqs', actions: ['sqs:ReceiveMessage'] },
  'client-sqs:DeleteMessageCommand': { service: 'sqs', actions: ['sqs:DeleteMessage'] },
  'client-sfn:StartExecutionCommand': { service: 'states', actions: ['states:StartExecution'] },
  'client-sfn:DescribeExecutionCommand': { service: 'states', actions: ['states:DescribeExecution'] },
  'client-sfn:ListExecutionsCommand': { service: 'states', actions: ['states:ListExecutions'] },
  'client-sfn:GetExecutionHistoryCommand': { service: 'states', actions: ['states:GetExecutionHistory'] },
  'client-sfn:StopExecutionCommand': { service: 'states', actions: ['states:StopExecution'] },
};

/** The S3 commands lib-storage's `Upload` constructs (what the `lib-storage:Upload` entry assumes). */
export const UPLOAD_COMMANDS = [
  'AbortMultipartUploadCommand',
  'CompleteMultipartUploadCommand',
  'CreateMultipartUploadCommand',
  'PutObjectCommand',
  'PutObjectTaggingCommand',
  'UploadPartCommand',
] as const;

/** The inputs of a command that name its resources, per service. */
const RESOURCE_INPUTS: Readonly<Record<AwsService, readonly string[]>> = {
  dynamodb: ['TableName', 'IndexName'],
  s3: ['Bucket', 'Key'],
  sqs: ['QueueUrl'],
  states: ['stateMachineArn', 'executionArn'],
};

/** Values of `@aws-sdk` that make no API call. */
const SDK_HARMLESS_MEMBERS = new Set([
  'send',
  'from',
  'destroy',
  'done',
  'on',
  'transformToByteArray',
  'transformToString',
]);

// ---------------------------------------------------------------------------
// The analysis
// ---------------------------------------------------------------------------

interface Ctx {
  readonly bindings: ReadonlyMap<string, { readonly arg: N | undefined; readonly ctx: Ctx }>;
}
const EMPTY_CTX: Ctx = { bindings: new Map() };

interface Unit {
  readonly key: string;
  readonly label: string;
  readonly file: string;
  /** Nodes whose subtrees are the unit's code. */
  readonly roots: readonly N[];
  /** Module top-level code: function bodies nested in it are not part of it. */
  readonly skipNestedFunctions: boolean;
  /** The class of a construction unit. */
  readonly cls?: N;
}

const FUNCTION_LIKE = new Set([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
  SyntaxKind.ClassDeclaration,
  SyntaxKind.ClassExpression,
]);

const WRAPPERS = new Set([
  SyntaxKind.ParenthesizedExpression,
  SyntaxKind.NonNullExpression,
  SyntaxKind.AsExpression,
  SyntaxKind.SatisfiesExpression,
  SyntaxKind.AwaitExpression,
  SyntaxKind.TypeAssertionExpression,
]);

const isStatic = (node: N): boolean => (node.modifiers ?? []).some((m: N) => m.kind === SyntaxKind.StaticKeyword);
const PARAMETER_PROPERTY_MODIFIERS = new Set([
  SyntaxKind.PublicKeyword,
  SyntaxKind.PrivateKeyword,
  SyntaxKind.ProtectedKeyword,
  SyntaxKind.ReadonlyKeyword,
]);

/**
 * The TypeScript program of the project (tsconfig.json), through the
 * TypeScript 7 API. One per test file: `close()` it when done.
 */
export class CodeAccessAnalyzer {
  private readonly api: API;
  private readonly checker: Checker;
  private readonly program: N;
  private readonly symbols = new Map<string, Sym | undefined>();
  private readonly aliased = new Map<number, Sym>();
  private readonly declarationNodes = new Map<number, N[]>();
  private readonly resolvedFiles = new Set<string>();
  private readonly lineStarts = new Map<string, number[]>();
  /** The hints some evaluation used (a hint never used is stale). */
  readonly usedHints = new Set<ResourceHint>();

  constructor(private readonly hints: readonly ResourceHint[] = []) {
    this.api = new API({ cwd: PROJECT_ROOT });
    const snapshot = this.api.updateSnapshot({ openProjects: [join(PROJECT_ROOT, 'tsconfig.json')] });
    const project = snapshot.getProjects()[0];
    if (!project) throw new Error('TypeScript: no project for tsconfig.json');
    this.checker = project.checker as Checker;
    this.program = project.program;
  }

  close(): void {
    this.api.close();
  }

  // ---- nodes, symbols, sites ----

  private key(node: N): string {
    return `${node.getSourceFile().fileName}@${node.pos}:${node.end}:${node.kind}`;
  }

  rel(file: string): string {
    return relative(PROJECT_ROOT, file);
  }

  site(node: N): Site {
    const sf = node.getSourceFile();
    let starts = this.lineStarts.get(sf.fileName);
    if (!starts) {
      starts = [0];
      for (let i = 0; i < sf.text.length; i++) if (sf.text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts.set(sf.fileName, starts);
    }
    const position = node.getStart(sf);
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1]! <= position) line++;
    return `${this.rel(sf.fileName)}:${line + 1}`;
  }

  text(node: N): string {
    return node.getText(node.getSourceFile()).replace(/\s+/g, ' ').trim();
  }

  private isProjectSource(file: string): boolean {
    return (
      file.startsWith(PROJECT_ROOT) &&
      !file.includes('/node_modules/') &&
      file.endsWith('.ts') &&
      !file.endsWith('.d.ts')
    );
  }

  /** Resolves every identifier of a file in one request. */
  private resolveFile(file: string): void {
    if (this.resolvedFiles.has(file)) return;
    this.resolvedFiles.add(file);
    const sf = this.program.getSourceFile(file);
    if (!sf) throw new Error(`TypeScript: ${file} is not in the program (tsconfig.json include)`);
    const identifiers: N[] = [];
    const visit = (node: N) => {
      if (node.kind === SyntaxKind.Identifier) identifiers.push(node);
      node.forEachChild(visit);
    };
    visit(sf);
    const symbols = identifiers.length ? (this.checker.getSymbolAtLocation(identifiers) as (Sym | undefined)[]) : [];
    identifiers.forEach((id, i) => {
      this.symbols.set(this.key(id), symbols[i]);
    });
  }

  /** The symbol an identifier refers to, through import aliases. */
  symbolOf(identifier: N): Sym | undefined {
    const file = identifier.getSourceFile().fileName;
    this.resolveFile(file);
    let symbol = this.symbols.get(this.key(identifier));
    if (symbol && symbol.flags & SymbolFlags.Alias) {
      let target = this.aliased.get(symbol.id);
      if (!target) {
        target = this.checker.getAliasedSymbol(symbol) as Sym;
        this.aliased.set(symbol.id, target);
      }
      symbol = target;
    }
    return symbol;
  }

  /** The declaration nodes of a symbol. */
  declarationsOf(symbol: Sym): N[] {
    let nodes = this.declarationNodes.get(symbol.id);
    if (!nodes) {
      nodes = (symbol.declarations ?? []).map((handle) => handle.resolve()).filter((n): n is N => n !== undefined);
      this.declarationNodes.set(symbol.id, nodes);
    }
    return nodes;
  }

  private declarationsOfIdentifier(identifier: N): N[] {
    const symbol = this.symbolOf(identifier);
    return symbol ? this.declarationsOf(symbol) : [];
  }

  // ---- units ----

  private unitCache = new Map<string, Unit | 'dispatch' | undefined>();

  private moduleUnit(file: string): Unit {
    const sf = this.program.getSourceFile(file);
    const roots: N[] = [];
    for (const statement of sf.statements) {
      switch (statement.kind) {
        case SyntaxKind.ImportDeclaration:
        case SyntaxKind.ExportDeclaration:
        case SyntaxKind.InterfaceDeclaration:
        case SyntaxKind.TypeAliasDeclaration:
        case SyntaxKind.FunctionDeclaration:
          break;
        case SyntaxKind.ClassDeclaration:
          for (const clause of statement.heritageClauses ?? []) roots.push(clause);
          for (const member of statement.members) {
            if (member.kind === SyntaxKind.ClassStaticBlockDeclaration) roots.push(member);
            else if (member.kind === SyntaxKind.PropertyDeclaration && isStatic(member) && member.initializer)
              roots.push(member.initializer);
          }
          break;
        default:
          roots.push(statement);
      }
    }
    return { key: `module:${file}`, label: `${this.rel(file)} (module code)`, file, roots, skipNestedFunctions: true };
  }

  private constructionUnit(cls: N): Unit {
    const file = cls.getSourceFile().fileName;
    const roots: N[] = [...(cls.heritageClauses ?? [])];
    for (const member of cls.members) {
      if (member.kind === SyntaxKind.Constructor) roots.push(member);
      else if (member.kind === SyntaxKind.PropertyDeclaration && !isStatic(member) && member.initializer)
        roots.push(member.initializer);
    }
    return {
      key: `new:${this.key(cls)}`,
      label: `${this.rel(file)} new ${cls.name?.text ?? '(class)'}`,
      file,
      roots,
      skipNestedFunctions: false,
      cls,
    };
  }

  /**
   * The unit a declaration belongs to: the top-level function, `const`, class
   * member or class construction around it; `'dispatch'` for a member of an
   * interface or type literal; undefined for a type.
   */
  unitOfDeclaration(declaration: N): Unit | 'dispatch' | undefined {
    const cacheKey = this.key(declaration);
    if (this.unitCache.has(cacheKey)) return this.unitCache.get(cacheKey);
    const unit = this.computeUnitOfDeclaration(declaration);
    this.unitCache.set(cacheKey, unit);
    return unit;
  }

  private computeUnitOfDeclaration(declaration: N): Unit | 'dispatch' | undefined {
    if (declaration.kind === SyntaxKind.PropertySignature || declaration.kind === SyntaxKind.MethodSignature)
      return 'dispatch';
    const file = declaration.getSourceFile().fileName;
    // The chain from the declaration up to its top-level statement.
    let node = declaration;
    const chain: N[] = [];
    while (node && node.kind !== SyntaxKind.SourceFile) {
      chain.unshift(node);
      node = node.parent;
    }
    const top = chain[0];
    if (!top) return undefined;
    const name = (n: N) => n.name?.text ?? '(anonymous)';
    switch (top.kind) {
      case SyntaxKind.FunctionDeclaration:
        return {
          key: `fn:${this.key(top)}`,
          label: `${this.rel(file)} ${name(top)}`,
          file,
          roots: [top],
          skipNestedFunctions: false,
        };
      case SyntaxKind.VariableStatement: {
        const declarationNode = chain.find((n) => n.kind === SyntaxKind.VariableDeclaration);
        if (!declarationNode) return this.moduleUnit(file);
        return {
          key: `var:${this.key(declarationNode)}`,
          label: `${this.rel(file)} ${name(declarationNode)}`,
          file,
          roots: [declarationNode],
          skipNestedFunctions: false,
        };
      }
      case SyntaxKind.ClassDeclaration: {
        const member = chain[1];
        if (!member || member.kind === SyntaxKind.Constructor || member.kind === SyntaxKind.HeritageClause)
          return this.constructionUnit(top);
        if (member.kind === SyntaxKind.PropertyDeclaration)
          return isStatic(member) ? this.moduleUnit(file) : this.constructionUnit(top);
        if (member.kind === SyntaxKind.ClassStaticBlockDeclaration) return this.moduleUnit(file);
        if (
          member.kind === SyntaxKind.MethodDeclaration ||
          member.kind === SyntaxKind.GetAccessor ||
          member.kind === SyntaxKind.SetAccessor
        ) {
          return {
            key: `method:${this.key(member)}`,
            label: `${this.rel(file)} ${name(top)}.${name(member)}`,
            file,
            roots: [member],
            skipNestedFunctions: false,
          };
        }
        return undefined;
      }
      case SyntaxKind.InterfaceDeclaration:
      case SyntaxKind.TypeAliasDeclaration:
      case SyntaxKind.ImportDeclaration:
        return undefined;
      default:
        return this.moduleUnit(file);
    }
  }

  private *nodesOf(unit: Unit): Generator<N> {
    const visit = function* (node: N, isRoot: boolean): Generator<N> {
      if (!isRoot && unit.skipNestedFunctions && FUNCTION_LIKE.has(node.kind)) return;
      yield node;
      const children: N[] = [];
      node.forEachChild((child: N) => {
        children.push(child);
      });
      for (const child of children) yield* visit(child, false);
    };
    for (const root of unit.roots) yield* visit(root, true);
  }

  // ---- the handler ----

  /**
   * What a handler's bundle holds (esbuild metafile inputs, built with the
   * Lambda's own options): the project modules, as absolute paths, and the npm packages.
   */
  bundleOf(handler: string, entry = handlerEntry(handler)): { modules: string[]; packages: string[] } {
    const outdir = mkdtempSync(join(tmpdir(), 'triage-iam-'));
    try {
      const inputs = Object.keys(
        buildSync({ ...bundleOptions(handler, outdir), entryPoints: { index: entry }, write: false }).metafile.inputs,
      );
      const modules = inputs.map((input) => join(PROJECT_ROOT, input)).filter((file) => this.isProjectSource(file));
      const packages = inputs
        .map((input) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
        .filter((p): p is string => p !== undefined);
      return { modules: modules.sort(), packages: [...new Set(packages)].sort() };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  /** What `handlers/<handler>.ts` (or another entry file exporting `handler`: tests of the analysis) can do. */
  analyze(handler: string, entry = handlerEntry(handler)): HandlerAccess {
    const { modules, packages } = this.bundleOf(handler, entry);
    const problems: Problem[] = [];
    const reached = new Map<string, { unit: Unit; via: string | undefined }>();
    const queue: Unit[] = [];
    const reach = (unit: Unit, via: string | undefined) => {
      if (reached.has(unit.key)) return;
      reached.set(unit.key, { unit, via });
      queue.push(unit);
    };
    for (const file of modules) reach(this.moduleUnit(file), undefined);
    const entrySf = this.program.getSourceFile(entry);
    const handlerDeclaration = entrySf.statements
      .filter((s: N) => s.kind === SyntaxKind.VariableStatement || s.kind === SyntaxKind.FunctionDeclaration)
      .flatMap((s: N) => (s.kind === SyntaxKind.VariableStatement ? s.declarationList.declarations : [s]))
      .find((d: N) => d.name?.text === 'handler');
    if (!handlerDeclaration) throw new Error(`${this.rel(entry)} exports no \`handler\``);
    const handlerUnit = this.unitOfDeclaration(handlerDeclaration) as Unit;
    reach(handlerUnit, `module:${entry}`);

    // Members named in interface/type-literal calls, dispatched to the classes constructed.
    const dispatched = new Map<string, string>();
    const constructed = new Set<N>();
    const classMembers = (cls: N, name: string) =>
      cls.members.filter(
        (m: N) =>
          m.name?.text === name &&
          (m.kind === SyntaxKind.MethodDeclaration ||
            m.kind === SyntaxKind.GetAccessor ||
            m.kind === SyntaxKind.PropertyDeclaration),
      );
    const dispatch = (name: string, from: string) => {
      if (!dispatched.has(name)) dispatched.set(name, from);
      for (const cls of constructed)
        for (const member of classMembers(cls, name)) reach(this.unitOfDeclaration(member) as Unit, from);
    };
    // A method called on a class reaches its overrides in the subclasses the handler constructs.
    const overridden: { base: N; name: string; from: string }[] = [];
    const override = (base: N, name: string, from: string) => {
      if (overridden.some((o) => o.base === base && o.name === name)) return;
      overridden.push({ base, name, from });
      for (const cls of constructed)
        if (cls !== base && this.extendsClass(cls, base))
          for (const member of classMembers(cls, name)) reach(this.unitOfDeclaration(member) as Unit, from);
    };

    const sdkReferences: { node: N; declaration: N; unit: Unit }[] = [];
    const configReads: ConfigRead[] = [];
    const callSites = new Map<string, N[]>();

    while (queue.length > 0) {
      const unit = queue.shift()!;
      if (unit.cls && !constructed.has(unit.cls)) {
        constructed.add(unit.cls);
        for (const [name, from] of dispatched)
          for (const member of classMembers(unit.cls, name)) reach(this.unitOfDeclaration(member) as Unit, from);
        for (const { base, name, from } of overridden) {
          if (base !== unit.cls && this.extendsClass(unit.cls, base))
            for (const member of classMembers(unit.cls, name)) reach(this.unitOfDeclaration(member) as Unit, from);
        }
      }
      for (const node of this.nodesOf(unit)) {
        if (node.kind === SyntaxKind.CallExpression || node.kind === SyntaxKind.NewExpression) {
          const callee = calleeName(node);
          const record = (declaration: N) => {
            const k = this.key(declaration);
            if (!callSites.has(k)) callSites.set(k, []);
            callSites.get(k)!.push(node);
          };
          if (node.kind === SyntaxKind.CallExpression && node.expression.kind === SyntaxKind.SuperKeyword) {
            // `super(...)`: a call of the base class's constructor.
            const base = this.baseClassOf(findClass(node));
            if (base) record(base);
          }
          if (callee) {
            const declarations = this.declarationsOfIdentifier(callee);
            for (const declaration of declarations) {
              record(declaration);
              // `new Sub(...)` of a class without a constructor of its own calls its base class's.
              for (
                let cls = declaration;
                cls?.kind === SyntaxKind.ClassDeclaration &&
                !cls.members.some((m: N) => m.kind === SyntaxKind.Constructor);
              ) {
                cls = this.baseClassOf(cls);
                if (cls) record(cls);
              }
            }
            if (declarations.length === 0 && node.kind === SyntaxKind.CallExpression && !this.symbolOf(callee)) {
              problems.push({
                site: this.site(node),
                message: `${unit.label}: the checker cannot resolve the call \`${this.text(node.expression)}(...)\` (an untyped value?)`,
              });
            }
          } else {
            const problem = this.computedCallProblem(node);
            if (problem) problems.push({ site: this.site(node), message: `${unit.label}: ${problem}` });
          }
        }
        if (node.kind !== SyntaxKind.Identifier || isTypePosition(node)) continue;
        let symbol: Sym | undefined;
        if (node.parent?.kind === SyntaxKind.ShorthandPropertyAssignment && node.parent.name === node) {
          // `{ handler }`: a reference to the variable, not a declaration of a property.
          symbol = this.checker.getShorthandAssignmentValueSymbol(node.parent) as Sym | undefined;
          if (symbol && symbol.flags & SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol) as Sym;
        } else if (isDeclarationName(node)) continue;
        else symbol = this.symbolOf(node);
        if (!symbol) continue;
        for (const declaration of this.declarationsOf(symbol)) {
          const file = declaration.getSourceFile().fileName;
          if (file.includes('/node_modules/@aws-sdk/')) {
            sdkReferences.push({ node, declaration, unit });
            continue;
          }
          if (!this.isProjectSource(file)) continue;
          if (this.rel(file) === 'src/config.ts') {
            const read = this.configRead(node, declaration);
            if (read) configReads.push(read);
          }
          const target = this.unitOfDeclaration(declaration);
          // An interface method, or a property of an interface that is called: any class's member of that name.
          // (Reading a property of an interface, `evaluation.inService`, calls nothing.)
          if (target === 'dispatch') {
            if (declaration.kind === SyntaxKind.MethodSignature || isCalledMember(node))
              dispatch(declaration.name?.text ?? symbol.name, unit.key);
          } else if (target && target.key !== unit.key) reach(target, unit.key);
          const owner = declaration.parent;
          if (
            (declaration.kind === SyntaxKind.MethodDeclaration || declaration.kind === SyntaxKind.GetAccessor) &&
            owner?.kind === SyntaxKind.ClassDeclaration
          ) {
            override(owner, declaration.name?.text, unit.key);
          }
        }
      }
    }

    this.currentCallSites = callSites;
    const via = (unit: Unit): string[] => {
      const path: string[] = [];
      const seen = new Set<string>();
      for (let key: string | undefined = unit.key; key && !seen.has(key); key = reached.get(key)?.via) {
        seen.add(key);
        const step = reached.get(key);
        if (step) path.unshift(step.unit.label);
      }
      return path;
    };

    const calls: AwsCall[] = [];
    for (const { node, declaration, unit } of sdkReferences) {
      const call = this.sdkCall(node, declaration, unit, via, problems);
      if (call) calls.push(call);
    }
    return {
      handler,
      calls,
      configReads,
      modules: modules.map((m) => this.rel(m)),
      packages,
      units: [...reached.values()].map((r) => r.unit.label).sort(),
      problems,
    };
  }

  /** The project class `cls` extends, if any. */
  private baseClassOf(cls: N | undefined): N | undefined {
    for (const clause of cls?.heritageClauses ?? []) {
      if (clause.token !== SyntaxKind.ExtendsKeyword) continue;
      const expression = clause.types[0]?.expression;
      const name = expression?.kind === SyntaxKind.PropertyAccessExpression ? expression.name : expression;
      if (name?.kind !== SyntaxKind.Identifier) return undefined;
      return this.declarationsOfIdentifier(name).find(
        (d) => d.kind === SyntaxKind.ClassDeclaration && this.isProjectSource(d.getSourceFile().fileName),
      );
    }
    return undefined;
  }

  /** True when class `cls` extends `base`, directly or not. */
  private extendsClass(cls: N, base: N, depth = 0): boolean {
    if (depth > 20) return false;
    for (const clause of cls.heritageClauses ?? []) {
      if (clause.token !== SyntaxKind.ExtendsKeyword) continue;
      for (const type of clause.types) {
        const name =
          type.expression.kind === SyntaxKind.PropertyAccessExpression ? type.expression.name : type.expression;
        if (name.kind !== SyntaxKind.Identifier) continue;
        for (const declaration of this.declarationsOfIdentifier(name)) {
          if (
            declaration === base ||
            (declaration.kind === SyntaxKind.ClassDeclaration && this.extendsClass(declaration, base, depth + 1))
          )
            return true;
        }
      }
    }
    return false;
  }

  /**
   * `obj[name](...)`: which member is called is computed. Harmless on a
   * library object (`logger[level](...)`); not on a project class or the SDK,
   * whose member the analysis could not tell.
   */
  private computedCallProblem(call: N): string | undefined {
    let callee = call.expression;
    while (WRAPPERS.has(callee.kind)) callee = callee.expression;
    if (callee.kind !== SyntaxKind.ElementAccessExpression) return undefined;
    let receiver = callee.expression;
    while (WRAPPERS.has(receiver.kind)) receiver = receiver.expression;
    const type = this.checker.getTypeAtLocation(receiver);
    const symbol = type?.getSymbol();
    const files = symbol ? this.declarationsOf(symbol as Sym).map((d) => d.getSourceFile().fileName) : [];
    if (files.length > 0 && files.every((f) => f.includes('/node_modules/') && !f.includes('/node_modules/@aws-sdk/')))
      return undefined;
    return `calls a computed member \`${this.text(callee)}(...)\`; the analysis cannot tell which (call it by name)`;
  }

  /** `config().X`, `settings.X`, `required('X')`: a read of setting X. */
  private configRead(identifier: N, declaration: N): ConfigRead | undefined {
    // A property of the configuration schema.
    if (
      declaration.kind === SyntaxKind.PropertyAssignment &&
      declaration.parent?.parent?.parent?.name?.text === 'configSchema'
    ) {
      const parent = identifier.parent;
      const isRead =
        (parent.kind === SyntaxKind.PropertyAccessExpression && parent.name === identifier) ||
        parent.kind === SyntaxKind.BindingElement;
      if (isRead) return { name: identifier.text, required: false, site: this.site(identifier) };
      return undefined;
    }
    if (declaration.kind === SyntaxKind.FunctionDeclaration && declaration.name?.text === 'required') {
      const call = identifier.parent;
      if (call.kind !== SyntaxKind.CallExpression || call.expression !== identifier) return undefined;
      const argument = call.arguments[0];
      if (argument?.kind !== SyntaxKind.StringLiteral)
        throw new Error(`${this.site(call)}: required() with a setting name that is not a string literal`);
      return { name: argument.text, required: true, site: this.site(call) };
    }
    return undefined;
  }

  private sdkCall(
    node: N,
    declaration: N,
    unit: Unit,
    via: (unit: Unit) => string[],
    problems: Problem[],
  ): AwsCall | undefined {
    const file = declaration.getSourceFile().fileName;
    const pkg = /\/node_modules\/@aws-sdk\/([^/]+)\//.exec(file)?.[1] ?? '?';
    const name = declaration.name?.text ?? '';
    const isClass = declaration.kind === SyntaxKind.ClassDeclaration;
    const isCommand = isClass && (file.includes('/commands/') || (pkg === 'lib-storage' && name === 'Upload'));
    if (!isCommand) {
      // Types, exceptions, clients and the few client methods that make no call of their own.
      const kind = declaration.kind;
      if (
        kind === SyntaxKind.InterfaceDeclaration ||
        kind === SyntaxKind.TypeAliasDeclaration ||
        kind === SyntaxKind.PropertySignature ||
        kind === SyntaxKind.PropertyDeclaration
      )
        return undefined;
      if (
        kind === SyntaxKind.EnumDeclaration ||
        kind === SyntaxKind.EnumMember ||
        kind === SyntaxKind.ModuleDeclaration ||
        kind === SyntaxKind.Parameter
      )
        return undefined;
      if (isClass && (/Client$/.test(name) || file.includes('/models/'))) return undefined;
      if (
        (kind === SyntaxKind.MethodDeclaration || kind === SyntaxKind.MethodSignature) &&
        SDK_HARMLESS_MEMBERS.has(name)
      )
        return undefined;
      if (kind === SyntaxKind.VariableDeclaration && /^[A-Z]/.test(name) && file.includes('/models/')) return undefined; // string enums as consts
      problems.push({
        site: this.site(node),
        message: `${unit.label}: uses @aws-sdk/${pkg} \`${name}\`, which this analysis does not model (only command classes and lib-storage's Upload); model it in test/infra/code-access.ts`,
      });
      return undefined;
    }
    const commandKey = `${pkg}:${name}`;
    const spec = COMMAND_ACTIONS[commandKey];
    if (!spec) {
      problems.push({
        site: this.site(node),
        message: `${unit.label}: constructs @aws-sdk/${pkg} ${name}, which has no IAM actions in COMMAND_ACTIONS (test/infra/code-access.ts)`,
      });
      return undefined;
    }
    // `new XCommand(...)`, or `new sdk.XCommand(...)` on a module namespace (`import * as sdk`, or
    // `const sdk = await import(...)` where the package is loaded on first use).
    const constructed =
      node.parent?.kind === SyntaxKind.PropertyAccessExpression && node.parent.name === node ? node.parent : node;
    const construction = constructed.parent;
    if (construction?.kind !== SyntaxKind.NewExpression || construction.expression !== constructed) {
      // `instanceof` or a type position: not a call.
      if (
        node.parent?.kind === SyntaxKind.TypeReference ||
        node.parent?.kind === SyntaxKind.ImportSpecifier ||
        node.parent?.kind === SyntaxKind.ExpressionWithTypeArguments
      )
        return undefined;
      problems.push({
        site: this.site(node),
        message: `${unit.label}: refers to ${name} other than by constructing it; the analysis cannot tell what it is called with`,
      });
      return undefined;
    }
    const argument = construction.arguments?.[0];
    const inputs: Record<string, Value[]> = {};
    let input = argument ? this.evaluate(argument, EMPTY_CTX) : [];
    if (commandKey === 'lib-storage:Upload') input = input.flatMap((v) => this.property(v, 'params'));
    for (const field of RESOURCE_INPUTS[spec.service]) {
      const values = input.flatMap((v) => this.property(v, field, { absentIsEmpty: true }));
      if (values.length > 0) inputs[field] = values;
    }
    if (spec.service === 'dynamodb') {
      for (const field of ['Key', 'Item']) {
        for (const object of input.flatMap((v) => this.property(v, field, { absentIsEmpty: true }))) {
          if (object.kind !== 'object') continue;
          for (const property of object.node.properties) {
            const attribute = property.name?.text;
            if (
              !attribute ||
              (property.kind !== SyntaxKind.PropertyAssignment &&
                property.kind !== SyntaxKind.ShorthandPropertyAssignment)
            )
              continue;
            const values = this.evaluate(
              property.kind === SyntaxKind.PropertyAssignment ? property.initializer : property.name,
              object.ctx,
            );
            const key = `Key.${attribute}`;
            inputs[key] ??= [];
            inputs[key].push(...values);
          }
        }
      }
    }
    return {
      actions: spec.actions,
      service: spec.service,
      sdkClass: name,
      site: this.site(construction),
      via: via(unit),
      inputs,
    };
  }

  // ---- values ----

  private currentCallSites = new Map<string, N[]>();
  private evaluating = new Set<string>();

  private unresolved(node: N, why: string): Value {
    return { kind: 'unresolved', expression: this.text(node), at: this.site(node), why };
  }

  /** The values `node` can have (every reached call site of a parameter is followed). */
  evaluate(node: N, ctx: Ctx): Value[] {
    while (WRAPPERS.has(node.kind)) node = node.expression;
    const hint = this.hintFor(node);
    if (hint) {
      this.usedHints.add(hint);
      return hint.values(
        node,
        (expression) => this.evaluate(expression, ctx),
        (name) => this.evaluateName(node, name, ctx),
      );
    }
    const guard = `${this.key(node)}#${ctxId(ctx)}`;
    if (this.evaluating.has(guard)) return [];
    this.evaluating.add(guard);
    try {
      return this.evaluateNode(node, ctx);
    } finally {
      this.evaluating.delete(guard);
    }
  }

  private hintFor(node: N): ResourceHint | undefined {
    if (this.hints.length === 0) return undefined;
    const file = this.rel(node.getSourceFile().fileName);
    const text = this.text(node).replace(/\s+/g, '').replace(/!$/, '');
    return this.hints.find((h) => h.file === file && h.expression.replace(/\s+/g, '').replace(/!$/, '') === text);
  }

  private evaluateNode(node: N, ctx: Ctx): Value[] {
    switch (node.kind) {
      case SyntaxKind.StringLiteral:
      case SyntaxKind.NoSubstitutionTemplateLiteral:
        return [{ kind: 'literal', value: node.text }];
      case SyntaxKind.TemplateExpression: {
        if (node.head.text) return [{ kind: 'prefix', value: node.head.text }];
        return this.evaluate(node.templateSpans[0].expression, ctx).map((v) => asPrefix(v));
      }
      case SyntaxKind.BinaryExpression: {
        const operator = node.operatorToken.kind;
        if (operator === SyntaxKind.PlusToken) return this.evaluate(node.left, ctx).map((v) => asPrefix(v));
        if (operator === SyntaxKind.QuestionQuestionToken || operator === SyntaxKind.BarBarToken)
          return [...this.evaluate(node.left, ctx), ...this.evaluate(node.right, ctx)];
        if (operator === SyntaxKind.AmpersandAmpersandToken) return this.evaluate(node.right, ctx);
        return [this.unresolved(node, 'an operator the analysis does not follow')];
      }
      case SyntaxKind.ConditionalExpression:
        return [...this.evaluate(node.whenTrue, ctx), ...this.evaluate(node.whenFalse, ctx)];
      case SyntaxKind.ObjectLiteralExpression:
        return [{ kind: 'object', node, ctx }];
      case SyntaxKind.Identifier:
        return this.evaluateIdentifier(node, ctx);
      case SyntaxKind.PropertyAccessExpression:
        return this.evaluatePropertyAccess(node, ctx);
      case SyntaxKind.CallExpression:
        return this.evaluateCall(node, ctx);
      default:
        return [this.unresolved(node, `a ${SyntaxKind[node.kind]} the analysis does not follow`)];
    }
  }

  private evaluateIdentifier(node: N, ctx: Ctx): Value[] {
    const declarations = this.declarationsOfIdentifier(node);
    const declaration = declarations[0];
    if (!declaration) return [this.unresolved(node, 'the checker knows no declaration of it')];
    if (declaration.kind === SyntaxKind.ShorthandPropertyAssignment) {
      // `{ version }` as a value: the variable it names.
      const symbol = this.checker.getShorthandAssignmentValueSymbol(declaration) as Sym | undefined;
      const target = symbol ? this.declarationsOf(symbol)[0] : undefined;
      return target
        ? this.evaluateDeclaration(node, target, ctx)
        : [this.unresolved(node, 'the shorthand property names no variable the checker knows')];
    }
    return this.evaluateDeclaration(node, declaration, ctx);
  }

  private evaluateDeclaration(node: N, declaration: N, ctx: Ctx): Value[] {
    switch (declaration.kind) {
      case SyntaxKind.VariableDeclaration:
        if (declaration.name.kind !== SyntaxKind.Identifier)
          return [this.unresolved(node, 'a destructured variable the analysis does not follow')];
        if (!declaration.initializer) return [this.unresolved(node, 'a variable without initializer')];
        return this.evaluate(declaration.initializer, ctx);
      case SyntaxKind.Parameter:
        return this.evaluateParameter(node, declaration, ctx);
      case SyntaxKind.BindingElement: {
        const pattern = declaration.parent;
        const name = (declaration.propertyName ?? declaration.name)?.text;
        if (pattern.kind !== SyntaxKind.ObjectBindingPattern || !name)
          return [this.unresolved(node, 'an array destructuring the analysis does not follow')];
        const source = pattern.parent;
        const sourceValues =
          source.kind === SyntaxKind.VariableDeclaration && source.initializer
            ? this.evaluate(source.initializer, ctx)
            : source.kind === SyntaxKind.Parameter
              ? this.evaluateParameter(node, source, ctx)
              : [this.unresolved(node, 'a destructuring of something the analysis does not follow')];
        return sourceValues.flatMap((v) => this.property(v, name));
      }
      case SyntaxKind.EnumMember: {
        const value = this.checker.getConstantValue(declaration);
        return typeof value === 'string'
          ? [{ kind: 'literal', value }]
          : [this.unresolved(node, 'a non-string enum member')];
      }
      default:
        return [this.unresolved(node, `a ${SyntaxKind[declaration.kind]}, not a value the analysis follows`)];
    }
  }

  /** The node of the function a parameter belongs to, as its call sites name it. */
  private calleeKeyOf(fn: N): string | undefined {
    if (fn.kind === SyntaxKind.FunctionDeclaration || fn.kind === SyntaxKind.MethodDeclaration) return this.key(fn);
    if (fn.kind === SyntaxKind.Constructor) return this.key(fn.parent);
    if (
      (fn.kind === SyntaxKind.ArrowFunction || fn.kind === SyntaxKind.FunctionExpression) &&
      fn.parent?.kind === SyntaxKind.VariableDeclaration
    )
      return this.key(fn.parent);
    return undefined;
  }

  private evaluateParameter(node: N, parameter: N, ctx: Ctx): Value[] {
    const bound = ctx.bindings.get(this.key(parameter));
    if (bound) {
      if (bound.arg) return this.evaluate(bound.arg, bound.ctx);
      return parameter.initializer ? this.evaluate(parameter.initializer, ctx) : [];
    }
    const fn = parameter.parent;
    const index = fn.parameters.indexOf(parameter);
    const calleeKey = this.calleeKeyOf(fn);
    const sites = calleeKey ? (this.currentCallSites.get(calleeKey) ?? []) : [];
    if (sites.length === 0)
      return [
        this.unresolved(
          node,
          `parameter \`${parameter.name.getText?.(parameter.getSourceFile()) ?? '?'}\` of a function with no reached call site the analysis can see (a callback?)`,
        ),
      ];
    return sites.flatMap((site) => {
      const args = site.arguments ?? [];
      if (args.some((a: N) => a.kind === SyntaxKind.SpreadElement))
        return [this.unresolved(site, 'a call with spread arguments')];
      const arg = args[index];
      if (!arg) return parameter.initializer ? this.evaluate(parameter.initializer, EMPTY_CTX) : [];
      return this.evaluate(arg, EMPTY_CTX);
    });
  }

  private evaluatePropertyAccess(node: N, ctx: Ctx): Value[] {
    const name = node.name.text;
    // A configuration setting.
    for (const declaration of this.declarationsOfIdentifier(node.name)) {
      if (
        this.rel(declaration.getSourceFile().fileName) === 'src/config.ts' &&
        declaration.kind === SyntaxKind.PropertyAssignment
      )
        return [{ kind: 'env', name }];
    }
    if (node.expression.kind === SyntaxKind.ThisKeyword) return this.evaluateField(node, name);
    return this.evaluate(node.expression, ctx).flatMap((v) => this.property(v, name));
  }

  /** `this.name` in a class: its initializer, or the constructor argument that set it. */
  private evaluateField(node: N, name: string): Value[] {
    const cls = findClass(node);
    if (!cls) return [this.unresolved(node, '`this` outside a class')];
    for (const member of cls.members) {
      if (member.kind === SyntaxKind.PropertyDeclaration && member.name?.text === name && member.initializer)
        return this.evaluate(member.initializer, EMPTY_CTX);
      if (member.kind !== SyntaxKind.Constructor) continue;
      for (const parameter of member.parameters) {
        const isProperty = (parameter.modifiers ?? []).some((m: N) => PARAMETER_PROPERTY_MODIFIERS.has(m.kind));
        if (isProperty && parameter.name.text === name) return this.evaluateParameter(node, parameter, EMPTY_CTX);
      }
      const assigned: Value[] = [];
      const visit = (n: N) => {
        if (
          n.kind === SyntaxKind.BinaryExpression &&
          n.operatorToken.kind === SyntaxKind.EqualsToken &&
          n.left.kind === SyntaxKind.PropertyAccessExpression &&
          n.left.expression.kind === SyntaxKind.ThisKeyword &&
          n.left.name.text === name
        ) {
          assigned.push(...this.evaluate(n.right, EMPTY_CTX));
        }
        n.forEachChild(visit);
      };
      if (member.body) visit(member.body);
      if (assigned.length) return assigned;
    }
    return [
      this.unresolved(
        node,
        `field \`${name}\` of class ${cls.name?.text ?? '?'} is not set from an initializer or constructor parameter`,
      ),
    ];
  }

  /** Property `name` of a value: of an object literal (with its spreads), else unresolved. */
  property(value: Value, name: string, options: { absentIsEmpty?: boolean } = {}): Value[] {
    if (value.kind === 'unresolved') return [value];
    if (value.kind !== 'object')
      return [
        { kind: 'unresolved', expression: `(${describeValue(value)}).${name}`, at: '', why: 'a property of a string' },
      ];
    const found: Value[] = [];
    let explicit = false;
    for (const property of value.node.properties) {
      if (property.kind === SyntaxKind.SpreadAssignment) {
        found.push(
          ...this.evaluate(property.expression, value.ctx).flatMap((v) =>
            v.kind === 'object' || v.kind === 'unresolved' ? this.property(v, name, { absentIsEmpty: true }) : [],
          ),
        );
        continue;
      }
      if (property.name?.text !== name) continue;
      explicit = true;
      if (property.kind === SyntaxKind.PropertyAssignment)
        found.push(...this.evaluate(property.initializer, value.ctx));
      else if (property.kind === SyntaxKind.ShorthandPropertyAssignment)
        found.push(...this.evaluate(property.name, value.ctx));
      else found.push(this.unresolved(property, 'a method, not a value'));
    }
    if (!explicit && found.length === 0 && !options.absentIsEmpty)
      return [this.unresolved(value.node, `the object has no property \`${name}\``)];
    return found;
  }

  private evaluateCall(node: N, ctx: Ctx): Value[] {
    const callee = calleeName(node);
    if (!callee) return [this.unresolved(node, 'a call of a computed function')];
    const declaration = this.declarationsOfIdentifier(callee)[0];
    if (!declaration) return [this.unresolved(node, 'the checker cannot resolve the function called')];
    const file = declaration.getSourceFile().fileName;
    if (
      declaration.kind === SyntaxKind.FunctionDeclaration &&
      declaration.name?.text === 'required' &&
      this.rel(file) === 'src/config.ts'
    ) {
      const argument = node.arguments[0];
      return argument?.kind === SyntaxKind.StringLiteral
        ? [{ kind: 'env', name: argument.text }]
        : [this.unresolved(node, 'required() of a computed name')];
    }
    if (!this.isProjectSource(file)) {
      // A string method (`arn.replace(...)`): a string built from the receiver's setting.
      if (node.expression.kind === SyntaxKind.PropertyAccessExpression && file.includes('/lib.')) {
        return this.evaluate(node.expression.expression, ctx).map((v) =>
          v.kind === 'env' || v.kind === 'unresolved'
            ? v
            : this.unresolved(node, `a string computed by ${callee.text}() from ${describeValue(v)}`),
        );
      }
      return [
        this.unresolved(
          node,
          `a call of ${callee.text} (${file.includes('node_modules') ? 'a library' : 'outside the project'})`,
        ),
      ];
    }
    let fn = declaration;
    if (fn.kind === SyntaxKind.VariableDeclaration) fn = fn.initializer;
    while (fn && WRAPPERS.has(fn.kind)) fn = fn.expression;
    if (
      !fn ||
      !(
        fn.kind === SyntaxKind.FunctionDeclaration ||
        fn.kind === SyntaxKind.MethodDeclaration ||
        fn.kind === SyntaxKind.ArrowFunction ||
        fn.kind === SyntaxKind.FunctionExpression
      )
    ) {
      return [this.unresolved(node, 'a call of something that is not a function declaration')];
    }
    const bindings = new Map(ctx.bindings);
    fn.parameters.forEach((parameter: N, i: number) => {
      bindings.set(this.key(parameter), { arg: node.arguments?.[i], ctx });
    });
    const inner: Ctx = { bindings };
    if (!fn.body) return [this.unresolved(node, 'a function without body')];
    if (fn.body.kind !== SyntaxKind.Block) return this.evaluate(fn.body, inner);
    const results: Value[] = [];
    const visit = (n: N) => {
      if (FUNCTION_LIKE.has(n.kind)) return;
      if (n.kind === SyntaxKind.ReturnStatement && n.expression) results.push(...this.evaluate(n.expression, inner));
      n.forEachChild(visit);
    };
    fn.body.forEachChild(visit);
    return results;
  }

  /** Evaluates a variable or parameter by name, as seen from `from` (for hints). */
  private evaluateName(from: N, name: string, ctx: Ctx): Value[] {
    for (let n = from.parent; n; n = n.parent) {
      if (FUNCTION_LIKE.has(n.kind) && n.parameters) {
        const parameter = n.parameters.find((p: N) => p.name?.text === name);
        if (parameter) return this.evaluateParameter(from, parameter, ctx);
      }
      if (n.kind === SyntaxKind.Block || n.kind === SyntaxKind.SourceFile) {
        for (const statement of n.statements) {
          if (statement.kind !== SyntaxKind.VariableStatement) continue;
          const declaration = statement.declarationList.declarations.find((d: N) => d.name?.text === name);
          if (declaration?.initializer) return this.evaluate(declaration.initializer, ctx);
        }
      }
    }
    return [this.unresolved(from, `no variable or parameter \`${name}\` in scope`)];
  }
}

/** An identifier in a type (`x: S3ModelStore`, `typeof y`) or an import/export list: no code runs. */
function isTypePosition(identifier: N): boolean {
  let node = identifier;
  while (node.parent?.kind === SyntaxKind.QualifiedName) node = node.parent;
  const parent = node.parent;
  if (!parent) return false;
  if (
    parent.kind === SyntaxKind.ImportSpecifier ||
    parent.kind === SyntaxKind.ExportSpecifier ||
    parent.kind === SyntaxKind.ImportClause ||
    parent.kind === SyntaxKind.NamespaceImport
  )
    return true;
  if (parent.kind === SyntaxKind.TypeReference || parent.kind === SyntaxKind.TypeQuery) return true;
  // `implements X` (not `extends X`, which runs).
  if (parent.kind === SyntaxKind.ExpressionWithTypeArguments && parent.parent?.token === SyntaxKind.ImplementsKeyword)
    return true;
  return false;
}

const NAMED_DECLARATIONS = new Set([
  SyntaxKind.VariableDeclaration,
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ClassDeclaration,
  SyntaxKind.ClassExpression,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.PropertyDeclaration,
  SyntaxKind.PropertyAssignment,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
  SyntaxKind.Parameter,
  SyntaxKind.BindingElement,
  SyntaxKind.EnumMember,
  SyntaxKind.EnumDeclaration,
  SyntaxKind.InterfaceDeclaration,
  SyntaxKind.TypeAliasDeclaration,
  SyntaxKind.PropertySignature,
  SyntaxKind.MethodSignature,
  SyntaxKind.TypeParameter,
]);

/** The name a declaration declares (`const x`, `foo() {}`, `{ key: value }`): not a reference. */
function isDeclarationName(identifier: N): boolean {
  const parent = identifier.parent;
  if (!parent || !NAMED_DECLARATIONS.has(parent.kind)) return false;
  return (
    parent.name === identifier || (parent.kind === SyntaxKind.BindingElement && parent.propertyName === identifier)
  );
}

/** `x.name(...)` or `name(...)`: the identifier is what is called. */
function isCalledMember(node: N): boolean {
  const access =
    node.parent?.kind === SyntaxKind.PropertyAccessExpression && node.parent.name === node ? node.parent : node;
  return access.parent?.kind === SyntaxKind.CallExpression && access.parent.expression === access;
}

function calleeName(call: N): N | undefined {
  let expression = call.expression;
  while (WRAPPERS.has(expression.kind)) expression = expression.expression;
  if (expression.kind === SyntaxKind.Identifier) return expression;
  if (expression.kind === SyntaxKind.PropertyAccessExpression) return expression.name;
  return undefined;
}

function findClass(node: N | undefined): N | undefined {
  for (let n = node; n; n = n.parent)
    if (n.kind === SyntaxKind.ClassDeclaration || n.kind === SyntaxKind.ClassExpression) return n;
  return undefined;
}

function asPrefix(value: Value): Value {
  if (value.kind === 'literal' || value.kind === 'prefix') return { kind: 'prefix', value: value.value };
  return value;
}

const ctxIds = new WeakMap<Ctx, number>();
let nextCtxId = 0;
function ctxId(ctx: Ctx): number {
  let id = ctxIds.get(ctx);
  if (id === undefined) {
    id = nextCtxId++;
    ctxIds.set(ctx, id);
  }
  return id;
}

/** A value, for messages. */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'literal':
      return JSON.stringify(value.value);
    case 'prefix':
      return `${JSON.stringify(value.value)}...`;
    case 'env':
      return `$${value.name}`;
    case 'object':
      return '{...}';
    case 'unresolved':
      return `? \`${value.expression}\` (${value.at}: ${value.why})`;
  }
}
