import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEngine, parseDlpConfig } from './detector.ts';
import { validatePasswordValue } from './passwords.ts';

const engine = buildEngine(parseDlpConfig({ enabled: true }));
const found = (text: string): string[] => engine.scan(text).map((m) => `${m.def.id}:${m.value}`);

// Passwords are assembled at run time so that no source line holds a credential whole.
const pw = ['Tr0ub4dor', '&3x'].join('');
const pw2 = ['k9Vq', '2mLx7'].join('');

test('passwords: assignments in code and config, connection strings, URLs, command lines, SQL, headers', () => {
  const cases: Array<[string, string, string]> = [
    ['env file', `DB_PASSWORD=${pw2}\n`, pw2],
    ['YAML', `  password: ${pw2}\n`, pw2],
    ['JSON', `{"user": "svc", "password": "${pw}"}`, pw],
    ['escaped JSON in a string', `"{\\"password\\": \\"${pw}\\"}"`, pw],
    ['Python keyword argument', `connect(host="db", passwd='${pw}')`, pw],
    ['camelCase name', `const dbPassword = "${pw}";`, pw],
    ['PHP array', `'password' => '${pw}',`, pw],
    ['ODBC connection string', `Driver={ODBC Driver 18};Server=db;UID=svc;PWD=${pw2};`, pw2],
    ['ADO.NET connection string', `Server=db;Database=app;User Id=svc;Password=${pw2};Encrypt=true`, pw2],
    ['JDBC URL parameters', `jdbc:mysql://db:3306/app?user=svc&password=${pw2}&ssl=true`, pw2],
    ['URL user information', `postgres://svc:${pw2}@db.internal:5432/app`, pw2],
    ['URL user information (percent-encoded)', `https://svc:${pw2}%21@git.internal/repo.git`, `${pw2}%21`],
    ['command line flag', `mysqladmin --password ${pw2} status`, pw2],
    ['command line flag with =', `tool --passphrase=${pw2}`, pw2],
    ['PowerShell parameter', `New-LocalUser -Name svc -Password '${pw}'`, pw],
    ['curl user', `curl -u svc:${pw2} https://api.internal/`, pw2],
    ['MySQL', `CREATE USER 'svc'@'%' IDENTIFIED BY '${pw2}';`, pw2],
    ['PostgreSQL', `ALTER ROLE svc WITH ENCRYPTED PASSWORD '${pw2}';`, pw2],
    ['PowerShell secure string', `$s = ConvertTo-SecureString "${pw}" -AsPlainText -Force`, pw],
    ['XML element', `<config><password>${pw2}</password></config>`, pw2],
    ['fallback of an environment variable', `PASSWORD = os.environ.get("DB_PASSWORD") or "${pw}"`, pw],
    ['getenv default', `p := getenv("DB_PASS", "${pw}")`, pw],
  ];
  for (const [what, text, value] of cases) assert.deepEqual(found(text), [`password:${value}`], what);
});

test('passwords: HTTP Basic credentials are decoded and checked', () => {
  const header = `Authorization: Basic ${Buffer.from(`svc:${pw2}`).toString('base64')}`;
  assert.deepEqual(engine.scan(header).map((m) => `${m.def.id}/${m.subtype}`), ['password/basic_auth']);
  assert.deepEqual(found(`Authorization: Basic ${Buffer.from('no colon here').toString('base64')}`), []);
});

test('passwords: references, templates, placeholders, field descriptions and code are not passwords', () => {
  const cases: Array<[string, string]> = [
    ['template', 'password: ${DB_PASSWORD}'],
    ['shell variable', 'PASSWORD=$DB_PASS'],
    ['Jinja', 'password: "{{ vault_db_password }}"'],
    ['environment lookup', 'password = os.environ["DB_PASSWORD"]'],
    ['function call', 'password = get_password()'],
    ['attribute', 'password = self.settings.password'],
    ['type annotation', 'password: string;'],
    ['masked', 'password: ********'],
    ['placeholder', 'password="<your password>"'],
    ['field description', 'Password: required'],
    ['an unquoted word is a variable', 'password = secretValue'],
    ['other field', 'password_file=/run/secrets/db'],
    ['comparison', 'if password == "x": pass'],
    ['longer word', 'bypass=on compass: north'],
    ['number literal', 'password = "0x1f2e3d4c5b6a7988"'],
    ['URL with placeholder credentials', 'postgres://user:${PASSWORD}@db/app'],
    ['URL without password', 'https://svc@git.internal/repo.git'],
    ['prose', 'Enter your password: and press enter'],
    ['YAML tag', 'password: !vault'],
    ['curl uid:gid-like pair', 'docker run -u 1000:1000 image'],
  ];
  // (Other types may still be found, e.g. svc@git.internal as an e-mail address.)
  for (const [what, text] of cases) assert.deepEqual(found(text).filter((f) => f.startsWith('password')), [], what);
});

test('passwords: well-known weak passwords are test values (reported only below the threshold)', () => {
  assert.equal(validatePasswordValue(pw, true)?.testValue, false);
  assert.equal(validatePasswordValue('Passw0rd', true)?.testValue, true);
  assert.equal(validatePasswordValue('password123', true)?.testValue, true);
  assert.equal(validatePasswordValue('1234567890', true)?.testValue, true);
  assert.deepEqual(found('password: "letmein"'), []);
});
