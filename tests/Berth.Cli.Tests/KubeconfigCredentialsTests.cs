using Berth.Cli.Commands;
using Berth.Server.Pki;
using Xunit;

namespace Berth.Cli.Tests;

[Trait("Tier", "Unit")]
public sealed class KubeconfigCredentialsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheKubeconfigBerthUpWritesGivesItsServerCaAndClientCertificate()
    {
        var pki = ClusterPki.LoadOrCreate(_dir, [], TimeProvider.System);
        var path = Kubeconfig.Write(_dir, pki, "https://127.0.0.1:16443");

        var config = KubeconfigCredentials.Load(path);

        Assert.Equal("https://127.0.0.1:16443", config.Server);
        Assert.False(config.InsecureSkipTlsVerify);
        Assert.Null(config.Token);
        var ca = Assert.Single(config.CertificateAuthorities());
        Assert.Equal(pki.Ca.Thumbprint, ca.Thumbprint);
        using var client = config.ClientCertificate();
        Assert.NotNull(client);
        Assert.True(client.HasPrivateKey);
        Assert.Equal(pki.Admin.Thumbprint, client.Thumbprint);
    }

    [Fact]
    public void FilesAreRelativeToTheKubeconfigAndATokenFileIsRead()
    {
        File.WriteAllText(Path.Combine(_dir, "token"), "s3cret\n");
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            current-context: b
            contexts:
            - name: a
              context: {cluster: one, user: u1}
            - name: b
              context: {cluster: two, user: u2}
            clusters:
            - name: one
              cluster: {server: "https://one:1"}
            - name: two
              cluster: {server: "https://two:2", insecure-skip-tls-verify: true}
            users:
            - name: u2
              user: {tokenFile: token}
            """);

        var config = KubeconfigCredentials.Load(path);

        Assert.Equal("https://two:2", config.Server);
        Assert.True(config.InsecureSkipTlsVerify);
        Assert.Equal("s3cret", config.Token);
        Assert.Empty(config.CertificateAuthorities());
        Assert.Null(config.ClientCertificate());
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Config\n", "no current-context")]
    [InlineData("current-context: x\ncontexts: []\n", "no context named x in contexts")]
    [InlineData("current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\nclusters:\n- name: c\n  cluster: {}\n", "cluster c has no server")]
    [InlineData("- just\n- a list\n", "not a kubeconfig")]
    public void WhatIsMissingIsNamed(string yaml, string expected)
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, yaml);

        var e = Assert.Throws<FormatException>(() => KubeconfigCredentials.Load(path));
        Assert.Contains(expected, e.Message);
    }
}
