using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding.Tests.Routing;

/// <summary>
/// Checks the Ketama mode against a published libketama result set: the "ketama_results" vector that Smile's
/// KetamaNodeLocatorSpec and twitter/finagle's memcached tests use (finagle-memcached/src/test/resources/ketama_results).
/// Eight servers with weights 600..100; each line is key, libketama key hash, the continuum point chosen, and the server.
/// </summary>
public sealed class KetamaCompatibilityTests
{
    private static readonly ShardNode[] Servers =
    [
        new("10.0.1.1", 600), new("10.0.1.2", 300), new("10.0.1.3", 200), new("10.0.1.4", 350),
        new("10.0.1.5", 1000), new("10.0.1.6", 800), new("10.0.1.7", 950), new("10.0.1.8", 100),
    ];

    // A subset of the published vector's lines, verbatim (key, key hash, continuum point, server).
    private const string Published = """
        SVa_]_V41) 443691461 445379617 10.0.1.7
        */Z;?V(.\8 1422915503 1428303028 10.0.1.1
        30C1*Z*S/_ 1473165754 1480075959 10.0.1.2
        ERR:EC58G> 2148406511 2168579133 10.0.1.7
        1I=cTMNTKF 2882686667 2885206587 10.0.1.5
        ]VG<`I*Z8) 1103544263 1104827657 10.0.1.5
        UUTC`-V159 3716288206 3727224240 10.0.1.5
        @7RU6C6T+Z 3862737685 3871917949 10.0.1.5
        /XLN0@+36; 1623269830 1627683651 10.0.1.1
        726bW=9*a4 4213440020 4213950705 10.0.1.7
        P1[Ma3=K1/ 1989324036 1994028240 10.0.1.8
        C89I.-V?cT 1604239957 1606398093 10.0.1.8
        D[HE+cFXDK 2117036136 2117124014 10.0.1.3
        P1L?NAB[)K 2129972569 2132542634 10.0.1.1
        cDT0)Z5P6, 176485284 178675413 10.0.1.5
        \39DKW^)N_ 3548879868 3550704865 10.0.1.3
        EM75N0+[X1 1558531507 1559308507 10.0.1.4
        6,cEI`F_P> 3972869246 3974773167 10.0.1.6
        c,5AQ/T5)6 2835605783 2847870057 10.0.1.8
        XY\X::LX50 1749241099 1752196488 10.0.1.6
        ]\.UH8_0a1 2419699252 2423002920 10.0.1.4
        8*6a;Sc*X+ 4223431086 4230156966 10.0.1.2
        UNHVP..^8H 977096483 977319837 10.0.1.4
        Nb-X^]M)I: 330865696 331009896 10.0.1.6
        [>RZHG97Q9 71954686 72034069 10.0.1.6
        0OZH^9BKM[ 3682518606 3686781297 10.0.1.8
        CTR74,J+N. 137446045 146633907 10.0.1.8
        [1ZXONX2]a 4108881567 4109865744 10.0.1.4
        FL;\GWacaV 458449508 467374054 10.0.1.4
        VD6D0]ba_\ 3842502950 3842588691 10.0.1.1
        """;

    public static TheoryData<string, uint, string> Lines()
    {
        var data = new TheoryData<string, uint, string>();
        foreach (var line in Published.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split(' ');
            data.Add(parts[0], uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[3]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void Maps_each_published_key_to_the_same_server_as_libketama(string key, uint keyHash, string server)
    {
        var router = ShardRouters.Ketama(Servers);
        var bytes = Encoding.ASCII.GetBytes(key);

        Assert.Equal(keyHash, KetamaRouter.HashKey(bytes));
        Assert.Equal(server, Servers[router.GetShardIndex(bytes)].Name);
    }

    [Fact]
    public void Equal_weights_give_every_server_160_points_even_where_double_precision_would_give_156()
    {
        // libketama computes floorf(share * 40.0 * servers) from a float share: for 7 equal servers that is 40 digests
        // (160 points) each, where a double-precision port would compute 39.99... and give 39.
        var nodes = Enumerable.Range(0, 7).Select(i => new ShardNode($"10.0.0.{i}:11211")).ToArray();
        var router = new KetamaRouter(nodes);

        Assert.Equal(7 * 160, router.PointCount);
    }
}
