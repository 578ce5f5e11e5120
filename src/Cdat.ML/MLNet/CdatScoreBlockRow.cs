// One block of 64 per-class scores as scalar columns. Concatenating scalar columns named after the classes is the one
// public way to give the multiclass Score vector its slot names; blocks keep the number of classes unbounded.
// The fields are spelled out because CustomMapping reads output columns from fields; column names are on-disk format.
// ScoreBlockRowTests checks that field i is B{i:00}, named ColumnName(i), and filled from score offset + i.
using System.ComponentModel;
using Microsoft.ML.Data;

#pragma warning disable CS1591 // one field per score column

namespace Cdat.ML.MLNet;

/// <summary>64 consecutive class scores (part of the persisted scoring pipeline; not for direct use).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class CdatScoreBlockRow
{
    /// <summary>Scores per block.</summary>
    public const int Size = 64;

    /// <summary>Name of the column holding score <paramref name="index"/> of a block.</summary>
    public static string ColumnName(int index) => $"__cdat_b{index:00}";

    [ColumnName("__cdat_b00")] public float B00;
    [ColumnName("__cdat_b01")] public float B01;
    [ColumnName("__cdat_b02")] public float B02;
    [ColumnName("__cdat_b03")] public float B03;
    [ColumnName("__cdat_b04")] public float B04;
    [ColumnName("__cdat_b05")] public float B05;
    [ColumnName("__cdat_b06")] public float B06;
    [ColumnName("__cdat_b07")] public float B07;
    [ColumnName("__cdat_b08")] public float B08;
    [ColumnName("__cdat_b09")] public float B09;
    [ColumnName("__cdat_b10")] public float B10;
    [ColumnName("__cdat_b11")] public float B11;
    [ColumnName("__cdat_b12")] public float B12;
    [ColumnName("__cdat_b13")] public float B13;
    [ColumnName("__cdat_b14")] public float B14;
    [ColumnName("__cdat_b15")] public float B15;
    [ColumnName("__cdat_b16")] public float B16;
    [ColumnName("__cdat_b17")] public float B17;
    [ColumnName("__cdat_b18")] public float B18;
    [ColumnName("__cdat_b19")] public float B19;
    [ColumnName("__cdat_b20")] public float B20;
    [ColumnName("__cdat_b21")] public float B21;
    [ColumnName("__cdat_b22")] public float B22;
    [ColumnName("__cdat_b23")] public float B23;
    [ColumnName("__cdat_b24")] public float B24;
    [ColumnName("__cdat_b25")] public float B25;
    [ColumnName("__cdat_b26")] public float B26;
    [ColumnName("__cdat_b27")] public float B27;
    [ColumnName("__cdat_b28")] public float B28;
    [ColumnName("__cdat_b29")] public float B29;
    [ColumnName("__cdat_b30")] public float B30;
    [ColumnName("__cdat_b31")] public float B31;
    [ColumnName("__cdat_b32")] public float B32;
    [ColumnName("__cdat_b33")] public float B33;
    [ColumnName("__cdat_b34")] public float B34;
    [ColumnName("__cdat_b35")] public float B35;
    [ColumnName("__cdat_b36")] public float B36;
    [ColumnName("__cdat_b37")] public float B37;
    [ColumnName("__cdat_b38")] public float B38;
    [ColumnName("__cdat_b39")] public float B39;
    [ColumnName("__cdat_b40")] public float B40;
    [ColumnName("__cdat_b41")] public float B41;
    [ColumnName("__cdat_b42")] public float B42;
    [ColumnName("__cdat_b43")] public float B43;
    [ColumnName("__cdat_b44")] public float B44;
    [ColumnName("__cdat_b45")] public float B45;
    [ColumnName("__cdat_b46")] public float B46;
    [ColumnName("__cdat_b47")] public float B47;
    [ColumnName("__cdat_b48")] public float B48;
    [ColumnName("__cdat_b49")] public float B49;
    [ColumnName("__cdat_b50")] public float B50;
    [ColumnName("__cdat_b51")] public float B51;
    [ColumnName("__cdat_b52")] public float B52;
    [ColumnName("__cdat_b53")] public float B53;
    [ColumnName("__cdat_b54")] public float B54;
    [ColumnName("__cdat_b55")] public float B55;
    [ColumnName("__cdat_b56")] public float B56;
    [ColumnName("__cdat_b57")] public float B57;
    [ColumnName("__cdat_b58")] public float B58;
    [ColumnName("__cdat_b59")] public float B59;
    [ColumnName("__cdat_b60")] public float B60;
    [ColumnName("__cdat_b61")] public float B61;
    [ColumnName("__cdat_b62")] public float B62;
    [ColumnName("__cdat_b63")] public float B63;

    /// <summary>Fills the fields from <paramref name="scores"/> starting at <paramref name="offset"/> (0 past the end).</summary>
    public void Fill(ReadOnlySpan<float> scores, int offset)
    {
        B00 = At(scores, offset + 0);
        B01 = At(scores, offset + 1);
        B02 = At(scores, offset + 2);
        B03 = At(scores, offset + 3);
        B04 = At(scores, offset + 4);
        B05 = At(scores, offset + 5);
        B06 = At(scores, offset + 6);
        B07 = At(scores, offset + 7);
        B08 = At(scores, offset + 8);
        B09 = At(scores, offset + 9);
        B10 = At(scores, offset + 10);
        B11 = At(scores, offset + 11);
        B12 = At(scores, offset + 12);
        B13 = At(scores, offset + 13);
        B14 = At(scores, offset + 14);
        B15 = At(scores, offset + 15);
        B16 = At(scores, offset + 16);
        B17 = At(scores, offset + 17);
        B18 = At(scores, offset + 18);
        B19 = At(scores, offset + 19);
        B20 = At(scores, offset + 20);
        B21 = At(scores, offset + 21);
        B22 = At(scores, offset + 22);
        B23 = At(scores, offset + 23);
        B24 = At(scores, offset + 24);
        B25 = At(scores, offset + 25);
        B26 = At(scores, offset + 26);
        B27 = At(scores, offset + 27);
        B28 = At(scores, offset + 28);
        B29 = At(scores, offset + 29);
        B30 = At(scores, offset + 30);
        B31 = At(scores, offset + 31);
        B32 = At(scores, offset + 32);
        B33 = At(scores, offset + 33);
        B34 = At(scores, offset + 34);
        B35 = At(scores, offset + 35);
        B36 = At(scores, offset + 36);
        B37 = At(scores, offset + 37);
        B38 = At(scores, offset + 38);
        B39 = At(scores, offset + 39);
        B40 = At(scores, offset + 40);
        B41 = At(scores, offset + 41);
        B42 = At(scores, offset + 42);
        B43 = At(scores, offset + 43);
        B44 = At(scores, offset + 44);
        B45 = At(scores, offset + 45);
        B46 = At(scores, offset + 46);
        B47 = At(scores, offset + 47);
        B48 = At(scores, offset + 48);
        B49 = At(scores, offset + 49);
        B50 = At(scores, offset + 50);
        B51 = At(scores, offset + 51);
        B52 = At(scores, offset + 52);
        B53 = At(scores, offset + 53);
        B54 = At(scores, offset + 54);
        B55 = At(scores, offset + 55);
        B56 = At(scores, offset + 56);
        B57 = At(scores, offset + 57);
        B58 = At(scores, offset + 58);
        B59 = At(scores, offset + 59);
        B60 = At(scores, offset + 60);
        B61 = At(scores, offset + 61);
        B62 = At(scores, offset + 62);
        B63 = At(scores, offset + 63);
    }

    private static float At(ReadOnlySpan<float> scores, int index) => (uint)index < (uint)scores.Length ? scores[index] : 0f;
}
