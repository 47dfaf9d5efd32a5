namespace Berth.Api.Selectors;

/// <summary>
/// The string form of a label selector, read as apimachinery's labels.Parse reads it (same grammar, same token
/// rules, same error texts):
/// <code>
///   selector    ::= requirement | requirement "," selector
///   requirement ::= ["!"] KEY [ ("in"|"notin") "(" VALUES ")" | ("="|"=="|"!="|"&gt;"|"&lt;") VALUE ]
/// </code>
/// Whitespace separates tokens; <c>in</c>/<c>notin</c> are keywords only where an operator is expected;
/// <c>()</c> and empty items in a value list stand for the empty value.
/// </summary>
internal sealed class LabelSelectorParser
{
    private enum Token
    {
        Error,
        EndOfString,
        ClosedPar,
        Comma,
        DoesNotExist,
        DoubleEquals,
        Equals,
        GreaterThan,
        Identifier,
        In,
        LessThan,
        NotEquals,
        NotIn,
        OpenPar,
    }

    private static readonly Dictionary<string, Token> Literals = new(StringComparer.Ordinal)
    {
        [")"] = Token.ClosedPar,
        [","] = Token.Comma,
        ["!"] = Token.DoesNotExist,
        ["=="] = Token.DoubleEquals,
        ["="] = Token.Equals,
        [">"] = Token.GreaterThan,
        ["in"] = Token.In,
        ["<"] = Token.LessThan,
        ["!="] = Token.NotEquals,
        ["notin"] = Token.NotIn,
        ["("] = Token.OpenPar,
    };

    private const string BinaryOperators = "in, notin, =, ==, !=, gt, lt";

    private readonly List<(Token Token, string Literal)> _items = [];
    private int _position;

    private LabelSelectorParser(string selector)
    {
        var lexer = new Lexer(selector);
        while (true)
        {
            var item = lexer.Next();
            _items.Add(item);
            if (item.Token == Token.EndOfString)
            {
                break;
            }
        }
    }

    /// <summary>The requirements of <paramref name="selector"/>, sorted by key.</summary>
    public static List<LabelRequirement> Parse(string selector)
    {
        var parser = new LabelSelectorParser(selector);
        return parser.ParseAll().OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    private List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var (token, literal) = Lookahead(values: true);
            switch (token)
            {
                case Token.Identifier or Token.DoesNotExist:
                    LabelRequirement requirement;
                    try
                    {
                        requirement = ParseRequirement();
                    }
                    catch (SelectorException e)
                    {
                        throw new SelectorException($"unable to parse requirement: {e.Message}");
                    }

                    requirements.Add(requirement);
                    var (next, nextLiteral) = Consume(values: true);
                    switch (next)
                    {
                        case Token.EndOfString:
                            return requirements;
                        case Token.Comma:
                            var (after, afterLiteral) = Lookahead(values: true);
                            if (after is not (Token.Identifier or Token.DoesNotExist))
                            {
                                throw new SelectorException($"found '{afterLiteral}', expected: identifier after ','");
                            }

                            break;
                        default:
                            throw new SelectorException($"found '{nextLiteral}', expected: ',' or 'end of string'");
                    }

                    break;
                case Token.EndOfString:
                    return requirements;
                default:
                    throw new SelectorException($"found '{literal}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var (key, op) = ParseKeyAndInferOperator();
        if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
        {
            return LabelRequirement.Create(key, op.Value, []);
        }

        var binary = ParseOperator();
        var values = binary is SelectorOperator.In or SelectorOperator.NotIn ? ParseValues() : ParseExactValue();
        return LabelRequirement.Create(key, binary, values.Order(StringComparer.Ordinal));
    }

    private (string Key, SelectorOperator? Operator) ParseKeyAndInferOperator()
    {
        SelectorOperator? op = null;
        var (token, literal) = Consume(values: true);
        if (token == Token.DoesNotExist)
        {
            op = SelectorOperator.DoesNotExist;
            (token, literal) = Consume(values: true);
        }

        if (token != Token.Identifier)
        {
            throw new SelectorException($"found '{literal}', expected: identifier");
        }

        if (LabelRequirement.KeyErrors(literal) is { } keyError)
        {
            // apimachinery validates the key here with a nil field path, which prints as "<nil>".
            throw new SelectorException(FieldErrors.Invalid("<nil>", literal, keyError));
        }

        if (Lookahead(values: true).Token is Token.EndOfString or Token.Comma && op != SelectorOperator.DoesNotExist)
        {
            op = SelectorOperator.Exists;
        }

        return (literal, op);
    }

    private SelectorOperator ParseOperator()
    {
        var (token, literal) = Consume(values: false);
        return token switch
        {
            Token.In => SelectorOperator.In,
            Token.Equals => SelectorOperator.Equals,
            Token.DoubleEquals => SelectorOperator.DoubleEquals,
            Token.GreaterThan => SelectorOperator.GreaterThan,
            Token.LessThan => SelectorOperator.LessThan,
            Token.NotIn => SelectorOperator.NotIn,
            Token.NotEquals => SelectorOperator.NotEquals,
            _ => throw new SelectorException($"found '{literal}', expected: {BinaryOperators}"),
        };
    }

    private HashSet<string> ParseValues()
    {
        var (token, literal) = Consume(values: true);
        if (token != Token.OpenPar)
        {
            throw new SelectorException($"found '{literal}' expected: '('");
        }

        (token, literal) = Lookahead(values: true);
        switch (token)
        {
            case Token.Identifier or Token.Comma:
                var set = ParseIdentifierList();
                if (Consume(values: true).Token != Token.ClosedPar)
                {
                    throw new SelectorException($"found '{literal}', expected: ')'");
                }

                return set;
            case Token.ClosedPar:
                Consume(values: true);
                return [""];
            default:
                throw new SelectorException($"found '{literal}', expected: ',', ')' or identifier");
        }
    }

    private HashSet<string> ParseIdentifierList()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (token, literal) = Consume(values: true);
            switch (token)
            {
                case Token.Identifier:
                    set.Add(literal);
                    var (next, nextLiteral) = Lookahead(values: true);
                    switch (next)
                    {
                        case Token.Comma:
                            continue;
                        case Token.ClosedPar:
                            return set;
                        default:
                            throw new SelectorException($"found '{nextLiteral}', expected: ',' or ')'");
                    }

                case Token.Comma:
                    if (set.Count == 0)
                    {
                        set.Add("");
                    }

                    var after = Lookahead(values: true).Token;
                    if (after == Token.ClosedPar)
                    {
                        set.Add("");
                        return set;
                    }

                    if (after == Token.Comma)
                    {
                        Consume(values: true);
                        set.Add("");
                    }

                    break;
                default:
                    throw new SelectorException($"found '{literal}', expected: ',', or identifier");
            }
        }
    }

    private HashSet<string> ParseExactValue()
    {
        if (Lookahead(values: true).Token is Token.EndOfString or Token.Comma)
        {
            return [""];
        }

        var (token, literal) = Consume(values: true);
        return token == Token.Identifier ? [literal] : throw new SelectorException($"found '{literal}', expected: identifier");
    }

    /// <summary>The current token without consuming it; where values are expected, <c>in</c>/<c>notin</c> are identifiers.</summary>
    private (Token Token, string Literal) Lookahead(bool values) => AsContext(_items[_position], values);

    private (Token Token, string Literal) Consume(bool values) => AsContext(_items[_position++], values);

    private static (Token Token, string Literal) AsContext((Token Token, string Literal) item, bool values) =>
        values && item.Token is Token.In or Token.NotIn ? (Token.Identifier, item.Literal) : item;

    private sealed class Lexer(string input)
    {
        private int _pos;

        public (Token Token, string Literal) Next()
        {
            while (_pos < input.Length && IsWhitespace(input[_pos]))
            {
                _pos++;
            }

            if (_pos >= input.Length || input[_pos] == '\0')
            {
                return (Token.EndOfString, "");
            }

            return IsSpecial(input[_pos]) ? ScanSpecial() : ScanIdentifierOrKeyword();
        }

        private (Token, string) ScanIdentifierOrKeyword()
        {
            var start = _pos;
            while (_pos < input.Length && input[_pos] != '\0' && !IsSpecial(input[_pos]) && !IsWhitespace(input[_pos]))
            {
                _pos++;
            }

            var text = input[start.._pos];
            return Literals.TryGetValue(text, out var keyword) ? (keyword, text) : (Token.Identifier, text);
        }

        /// <summary>The longest run of special characters that forms an operator (<c>!=</c> before <c>!</c>).</summary>
        private (Token, string) ScanSpecial()
        {
            var start = _pos;
            (Token Token, string Literal)? last = null;
            while (_pos < input.Length && IsSpecial(input[_pos]))
            {
                var candidate = input[start..(_pos + 1)];
                if (Literals.TryGetValue(candidate, out var token))
                {
                    last = (token, candidate);
                }
                else if (last is not null)
                {
                    break;
                }

                _pos++;
            }

            return last ?? (Token.Error, $"error expected: keyword found '{input[start.._pos]}'");
        }

        private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';
    }
}
