using System.Reflection;

namespace Scalable.Packaging.Tests;

// Writes a reflected member the way PackageApiCheck.Referenced writes a member reference read from metadata:
// "M Owner::Name(Parameter,...):Return" or "F Owner::Name:Type", with namespace-qualified names, "/" for nested
// types, "`n" and "<...>" for generics, "!n" and "!!n" for type and method type parameters, "&" for by-ref, and
// the bare name for the types metadata encodes as primitives (String, Int32, Void...).
internal static class MetadataNames
{
    private static readonly HashSet<Type> Primitives =
    [
        typeof(void), typeof(bool), typeof(char), typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(int), typeof(uint),
        typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(string), typeof(object), typeof(IntPtr), typeof(UIntPtr), typeof(TypedReference),
    ];

    public static string Method(MethodBase method)
    {
        var returns = method is MethodInfo info ? Of(info.ReturnType) : "Void";
        return $"M {Of(method.DeclaringType!)}::{method.Name}({string.Join(",", method.GetParameters().Select(p => Of(p.ParameterType)))}):{returns}";
    }

    public static string Field(FieldInfo field) => $"F {Of(field.DeclaringType!)}::{field.Name}:{Of(field.FieldType)}";

    private static string Of(Type type)
    {
        if (type.IsByRef)
        {
            return Of(type.GetElementType()!) + "&";
        }

        if (type.IsPointer)
        {
            return Of(type.GetElementType()!) + "*";
        }

        if (type.IsArray)
        {
            return Of(type.GetElementType()!) + (type.IsSZArray ? "[]" : $"[{type.GetArrayRank()}]");
        }

        if (type.IsGenericParameter)
        {
            return (type.IsGenericMethodParameter ? "!!" : "!") + type.GenericParameterPosition;
        }

        if (type.IsConstructedGenericType)
        {
            return $"{Of(type.GetGenericTypeDefinition())}<{string.Join(",", type.GenericTypeArguments.Select(Of))}>";
        }

        if (Primitives.Contains(type))
        {
            return type.Name;
        }

        if (type.IsNested)
        {
            return Of(type.DeclaringType!) + "/" + type.Name;
        }

        return string.IsNullOrEmpty(type.Namespace) ? type.Name : type.Namespace + "." + type.Name;
    }
}
